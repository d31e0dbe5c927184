/**
 * The metrics of events, count intervals and batching across cameras, read from `/metrics` of the
 * real runtime while the real person model runs on the shared images: four files cameras share
 * the model with `inference.batching.maxBatch: 4`; one keeps events, one counts, two keep every
 * result. Nothing here calls a metric method: each number comes from what the agent did.
 */
import t from 'tap';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { sharedImage, sharedModels } from '../helpers/shared.js';

/** The value of the first sample line of `name` whose labels contain every one of `labels`, or undefined. */
function sample(text: string, name: string, ...labels: string[]): number | undefined {
  const line = text.split('\n').find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && labels.every((x) => l.includes(x)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const giveUpAt = Date.now() + 180_000;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('events, count intervals and batch sizes show on /metrics from a real run', async (t) => {
  const dir = t.testdir();
  // The same person again and again: the tracker confirms the track after minHits frames, so a
  // `start` event comes, and the files cameras never run dry.
  mkdirSync(join(dir, 'person'));
  for (const n of ['1', '2', '3']) copyFileSync(sharedImage('hopper.jpg'), join(dir, 'person', `${n}.jpg`));
  const camera = (name: string, report: Record<string, unknown>) => ({
    name,
    source: { type: 'files', path: join(dir, 'person'), fps: 10, loop: true },
    targetFps: 10,
    models: [{ id: 'person-yolox-192', threshold: 0.5, report }],
  });
  const values = {
    deviceId: 'fm',
    dataDir: join(dir, 'data'),
    models: { mirror: sharedModels },
    health: { port: 0 },
    // Frames that arrive within 50 ms of an idle model wait for each other (bounded by maxWaitMs).
    inference: { intraOpThreads: 1, batching: { maxBatch: 4, maxWaitMs: 50 } },
    cameras: [camera('door', { policy: 'events' }), camera('hall', { policy: 'counts', intervalSeconds: 1 }), camera('yard', { policy: 'every' }), camera('gate', { policy: 'every' })],
  };
  const runtime = await AgentRuntime.start(loadConfig({ document: { values, label: 'test' }, env: {} }), { logger: silentLogger(), executableSearchPath: '' });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await runtime.stop();
  });
  const url = runtime.health?.url;
  if (url === undefined) throw new Error('the health server did not start');
  t.equal(runtime.runners.get('person-yolox-192').batching.maxBatch, 4, 'the person model batches up to 4 frames');

  await until(async () => (sample(await scrape(url), 'edge_agent_events_total', 'camera="door"', 'type="start"') ?? 0) >= 1, 'a start event on /metrics');
  let text = await scrape(url);
  t.ok((sample(text, 'edge_agent_events_total', 'camera="door"', 'model="person-yolox-192"', 'type="start"') ?? 0) >= 1, 'a start event of the person model on door');
  t.equal(sample(text, 'edge_agent_events_total', 'camera="hall"'), undefined, 'no events from the counts camera');
  // The runtime reads the outbox's background-work totals on its gauge timer, the first time at start.
  t.ok((sample(text, 'edge_agent_outbox_seq_mark_writes_total', 'where="on-loop"') ?? 0) >= 1, 'the seq mark written at open is on /metrics');
  t.equal(sample(text, 'edge_agent_outbox_thread_failures_total', 'job="checkpoint"'), 0, 'no checkpoint failed');

  // Intervals of 1 s end on the wall clock; the loop's 1 s timer hands them out.
  await until(async () => (sample(await scrape(url), 'edge_agent_count_intervals_total', 'camera="hall"', 'outcome="sent"') ?? 0) >= 2, 'two count intervals sent');
  text = await scrape(url);
  const policy = runtime.cameras.find((c) => c.name === 'hall')?.models[0]?.policy;
  const stats = policy?.countStats();
  t.ok(stats !== undefined && stats.intervalsSent >= (sample(text, 'edge_agent_count_intervals_total', 'camera="hall"', 'outcome="sent"') ?? Infinity), `the policy sent ${stats?.intervalsSent} intervals, at least what /metrics showed`);
  t.equal(sample(text, 'edge_agent_count_intervals_total', 'camera="hall"', 'outcome="skipped"'), undefined, 'no clock jump, nothing skipped');
  t.equal(sample(text, 'edge_agent_count_intervals_total', 'camera="hall"', 'outcome="dropped"'), undefined, 'nothing dropped');

  await until(async () => (sample(await scrape(url), 'edge_agent_inference_batch_size_count', 'model="person-yolox-192"') ?? 0) >= 8, 'eight batched calls');
  text = await scrape(url);
  const calls = sample(text, 'edge_agent_inference_batch_size_count', 'model="person-yolox-192"') ?? 0;
  const frames = sample(text, 'edge_agent_inference_batch_size_sum', 'model="person-yolox-192"') ?? 0;
  const batching = runtime.runners.get('person-yolox-192').batching;
  t.ok(calls >= 8 && calls <= batching.batches, `${calls} batched calls on /metrics, ${batching.batches} counted by the batcher`);
  t.ok(frames >= calls && frames <= 4 * calls, `${frames} frames in ${calls} calls: 1 to 4 a call (mean ${(frames / calls).toFixed(2)})`);
  t.equal(sample(text, 'edge_agent_inference_batch_size_bucket', 'le="16"'), calls, 'every call fits the largest bucket');
  t.equal(sample(text, 'edge_agent_inference_batching_fallbacks_total'), undefined, 'the person model was made batch-dynamic: no fallback');

  // Stopping ends the open track (`end`, reason shutdown) and sends the last, partial interval.
  const sentBefore = policy?.countStats()?.intervalsSent ?? 0;
  await runtime.stop();
  stopped = true;
  text = await runtime.metrics.registry.metrics();
  t.ok((sample(text, 'edge_agent_events_total', 'camera="door"', 'type="end"') ?? 0) >= 1, 'the open track ended at stop');
  const sentAfter = policy?.countStats()?.intervalsSent ?? 0;
  t.ok(sentAfter > sentBefore, `the last interval was sent at stop (${sentBefore} -> ${sentAfter})`);
  t.equal(sample(text, 'edge_agent_count_intervals_total', 'camera="hall"', 'outcome="sent"'), sentAfter, 'every interval the policy sent is counted');
});
