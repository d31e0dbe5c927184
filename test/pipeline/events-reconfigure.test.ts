/**
 * A live reconfiguration that replaces a model's report policy ends the old policy's open tracks
 * with reason `reconfigured`, once; the new policy's tracks end with `shutdown` at stop. Real
 * camera loop, real person model, a files camera replaying a temp copy of hopper.jpg.
 */
import t from 'tap';
import { join } from 'node:path';
import { FilesSource } from '../../agent/capture/files-source.js';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { ReadinessTracker } from '../../agent/health/readiness.js';
import { silentLogger } from '../../agent/log/logger.js';
import { CameraLoop, type CameraModel } from '../../agent/pipeline/camera-loop.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import type { EventRecord } from '../../agent/results/event-record.js';
import type { ResultRecord } from '../../agent/results/result-record.js';
import { oneImageFrames, waitUntil } from './helpers/agent-output.js';
import { testStore } from '../helpers/test-store.js';

function model(heartbeatSeconds: number): CameraModel {
  const tracking = { enabled: true, minHits: 2, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5 };
  return { id: 'person-yolox-192', threshold: 0.3, policy: new ReportPolicy({ policy: 'events', heartbeatSeconds, minScore: 0, tracking }), topic: 't' };
}

t.test('replacing the policy ends its open tracks with reason reconfigured', { timeout: 300_000 }, async (t) => {
  const dir = t.testdir();
  const frames = oneImageFrames(dir);
  const logger = silentLogger();
  const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'test', logger, intraOpThreads: 1 });
  t.teardown(() => pool.close());
  await pool.load(['person-yolox-192']);
  const source = new FilesSource({ type: 'files', name: 'cam', path: frames, fps: 10, loop: true }, { logger, searchPath: '', devDir: '/dev' });
  const readiness = new ReadinessTracker({ cameras: [{ name: 'cam', staleAfterMs: 10_000 }], models: ['person-yolox-192'] });
  readiness.modelWarmedUp('person-yolox-192');
  const kept: EventRecord[] = [];
  const loop = new CameraLoop({
    name: 'cam', source, intervalMs: 50, gate: undefined, models: [model(60)], runners: pool,
    store: { keep: (r: ResultRecord | EventRecord) => { if ('kind' in r && r.kind === 'event') kept.push(r); } },
    metrics: createAgentMetrics({ processMetrics: false }), readiness, logger, stuckTimeoutMs: 60_000,
  });
  await loop.start();
  await waitUntil('a start', () => kept.some((e) => e.type === 'start'));
  const first = kept.find((e) => e.type === 'start') as EventRecord;
  loop.update({ intervalMs: 50, gate: undefined, models: [model(30)], stuckTimeoutMs: 60_000 });
  const ends = kept.filter((e) => e.type === 'end' && e.trackId === first.trackId);
  t.same(ends.map((e) => e.reason), ['reconfigured'], 'ended at once, with reason reconfigured');
  await waitUntil('a start under the new policy', () => kept.some((e) => e.type === 'start' && e.trackId !== first.trackId));
  await loop.stop();
  const starts = kept.filter((e) => e.type === 'start');
  for (const s of starts) t.equal(kept.filter((e) => e.type === 'end' && e.trackId === s.trackId).length, 1, 'one end per start');
  const second = starts.find((s) => s.trackId !== first.trackId) as EventRecord;
  t.equal(kept.find((e) => e.type === 'end' && e.trackId === second.trackId)?.reason, 'shutdown');
});
