import t, { type Test } from 'tap';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FilesSource } from '../../agent/capture/files-source.js';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { ReadinessTracker } from '../../agent/health/readiness.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { silentLogger } from '../../agent/log/logger.js';
import { SqliteOutbox } from '../../agent/outbox/index.js';
import { CameraLoop, type CameraLoopOptions } from '../../agent/pipeline/camera-loop.js';
import { ChangeGate } from '../../agent/pipeline/change-gate.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { sharedImage, sharedImages } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';
import { resultEntry } from '../../agent/publish/result-entry.js';
import { observeRaisedErrors } from '../../agent/errors/agent-error.js';

async function setup(t: Test, overrides: Partial<CameraLoopOptions> & { path?: string; fps?: number; loop?: boolean } = {}) {
  // Not t.testdir(): a test may already use that for its own files.
  const dir = mkdtempSync(join(tmpdir(), 'edge-loop-'));
  const logger = silentLogger();
  const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'test', logger, intraOpThreads: 1 });
  await pool.load(['person-yolox-192']);
  const outbox = SqliteOutbox.open({ path: join(dir, 'outbox.sqlite'), logger });
  const source = new FilesSource({ type: 'files', name: 'cam', path: overrides.path ?? sharedImages, fps: overrides.fps ?? 4, loop: overrides.loop ?? false }, { logger, searchPath: '', devDir: '/dev' });
  const metrics = createAgentMetrics({ processMetrics: false });
  // As the runtime does: codes are counted where they are raised.
  t.teardown(observeRaisedErrors((code) => metrics.errorCounted(code)));
  const readiness = new ReadinessTracker({ cameras: [{ name: 'cam', staleAfterMs: 10_000 }], models: ['person-yolox-192'] });
  readiness.modelWarmedUp('person-yolox-192');
  const loop = new CameraLoop({
    name: 'cam', source, intervalMs: 0, gate: undefined,
    models: [{ id: 'person-yolox-192', threshold: 0.5, policy: new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0 }), topic: 'edge-agent/test/results/person-yolox-192' }],
    runners: pool, store: { keep: (record, topic) => { outbox.enqueue(resultEntry(record, topic)); } }, metrics, readiness, logger, stuckTimeoutMs: 30_000, ...overrides,
  });
  t.teardown(async () => {
    await loop.stop();
    await pool.close();
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { loop, outbox, metrics, pool, readiness };
}

t.test('every decodable image becomes one stored result; the bad one is counted, not fatal', async (t) => {
  const { loop, outbox, metrics } = await setup(t);
  await loop.start();
  await loop.finished();
  const s = loop.stats();
  t.equal(s.framesInferred, 6, 'six frames taken');
  t.equal(s.resultsKept, 5, 'truncated.jpg produced no result');
  const rows = outbox.nextPending(100);
  t.equal(rows.length, 5);
  t.same(rows.map((r) => r.seq), [1, 2, 3, 4, 5], 'seq assigned in order');
  const people = rows.map((r) => JSON.parse(r.payload) as { frame: { source: string }; detections: unknown[] }).filter((p) => p.detections.length > 0);
  t.equal(people.length, 2, 'two images with a person');
  const text = await metrics.registry.metrics();
  t.match(text, /edge_agent_frames_dropped_total\{camera="cam",reason="decode-failed"\} 1/);
  t.match(text, /edge_agent_results_kept_total\{camera="cam",model="person-yolox-192"\} 5/);
});

t.test('the change gate skips repeated frames', async (t) => {
  const dir = t.testdir({ a: {} });
  const { copyFileSync } = await import('node:fs');
  for (const n of ['1', '2', '3']) copyFileSync(sharedImage('rocket.jpg'), join(dir, 'a', `${n}.jpg`));
  copyFileSync(sharedImage('hopper.jpg'), join(dir, 'a', '4.jpg'));
  const { loop, outbox } = await setup(t, { path: join(dir, 'a'), gate: new ChangeGate(0.02) });
  await loop.start();
  await loop.finished();
  t.equal(loop.stats().framesSkipped, 2, 'two identical repeats skipped');
  t.equal(loop.stats().framesInferred, 2);
  t.equal(outbox.nextPending(10).length, 2);
});

t.test('a stuck inference is reported and the session rebuilt; the loop carries on', async (t) => {
  const { loop, metrics, pool } = await setup(t, { stuckTimeoutMs: 1 });
  const first = pool.get('person-yolox-192');
  await loop.start();
  await loop.finished();
  t.not(pool.get('person-yolox-192'), first, 'a new runner replaced the stuck one');
  t.match(await metrics.registry.metrics(), /edge_agent_session_rebuilds_total\{model="person-yolox-192"\} [1-9]/);
});

t.test('an outbox that refuses writes does not stop inference', async (t) => {
  const { loop, outbox, metrics } = await setup(t);
  outbox.close(); // every enqueue now throws
  await loop.start();
  await loop.finished();
  t.equal(loop.stats().framesInferred, 6, 'all frames still inferred');
  t.equal(loop.stats().enqueueFailures, 5);
  t.match(await metrics.registry.metrics(), /edge_agent_errors_total\{code="EDGE_OUTBOX_[A-Z_]+"\} 5/);
});

t.test('a slow model on a fast camera drops frames (latest wins) and counts them', async (t) => {
  const { loop, metrics } = await setup(t, { fps: 200, loop: true, intervalMs: 100 });
  await loop.start();
  await new Promise((r) => setTimeout(r, 1200));
  await loop.stop();
  const s = loop.stats();
  t.ok(s.framesInferred <= 14, `at most ~1 frame per 100 ms inferred (${s.framesInferred})`);
  t.ok(s.framesDropped > s.framesInferred, `more frames dropped than inferred (${s.framesDropped})`);
  t.match(await metrics.registry.metrics(), /edge_agent_frames_dropped_total\{camera="cam",reason="busy"\} [1-9]/);
});
