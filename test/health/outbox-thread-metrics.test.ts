/**
 * The outbox's background-work metrics, fed as the runtime feeds them (observeOutbox, on its
 * timer) from a real SQLite outbox that stored enough results for its thread to checkpoint the WAL
 * and write seq marks ahead. No metric method is called by the test itself.
 */
import t from 'tap';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { observeOutbox } from '../../agent/runtime/outbox-metrics.js';
import { detectionEntry, openOutbox } from '../outbox/helpers.js';

async function value(metrics: ReturnType<typeof createAgentMetrics>, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  const data = await metric.get();
  const hit = data.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return hit?.value;
}

t.test('checkpoints and seq-mark writes of a busy outbox show in the metrics, each counted once', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  t.teardown(() => outbox.close());
  // As the agent does: the thread starts at open.
  outbox.startBackgroundThread();
  const metrics = createAgentMetrics({ processMetrics: false });
  observeOutbox(outbox, metrics);
  t.equal(await value(metrics, 'edge_agent_outbox_checkpoints_total'), 0, 'no checkpoint before any result');

  // Groups of two results, as two models at 20 frames/s make; the thread gets its turns between
  // groups. A checkpoint is asked for after about 1,000 WAL pages, a mark is written ahead once a
  // counter is 500 rows from its reservation (1,000 rows a mark): stop when both happened.
  let groups = 0;
  const busyEnough = (): boolean => outbox.checkpointStats().completed >= 1 && outbox.seqMarkStats().writesAhead >= 1;
  for (; groups < 6_000 && !busyEnough(); groups += 1) {
    outbox.enqueueMany([detectionEntry(2 * groups), detectionEntry(2 * groups + 1)]);
    await outbox.settled();
  }
  const checkpoints = outbox.checkpointStats();
  const marks = outbox.seqMarkStats();
  t.ok(checkpoints.completed >= 1, `a checkpoint completed on the thread after ${groups} groups`);

  observeOutbox(outbox, metrics);
  t.equal(await value(metrics, 'edge_agent_outbox_checkpoints_total'), checkpoints.completed, 'checkpoints counted');
  t.equal(await value(metrics, 'edge_agent_outbox_seq_mark_writes_total', { where: 'ahead' }), marks.writesAhead, `seq marks written ahead: ${marks.writesAhead}`);
  t.ok(marks.writesAhead >= 1, 'the counters came near their reservation, so marks were written ahead');
  t.equal(await value(metrics, 'edge_agent_outbox_seq_mark_writes_total', { where: 'on-loop' }), marks.writesOnLoop, `seq marks written on the loop: ${marks.writesOnLoop} (the one at open among them)`);
  t.equal(await value(metrics, 'edge_agent_outbox_seq_mark_insert_waits_total'), marks.insertWaits, `inserts that waited for a mark: ${marks.insertWaits}`);
  t.equal(await value(metrics, 'edge_agent_outbox_thread_failures_total', { job: 'checkpoint' }), 0, 'no checkpoint failed');
  t.equal(await value(metrics, 'edge_agent_outbox_thread_failures_total', { job: 'seq-mark' }), 0, 'no mark write failed');
  t.equal(await value(metrics, 'edge_agent_outbox_pending_rows'), 2 * groups, 'the depth gauge comes from the same call');

  // A second look with nothing new adds nothing: totals are turned into increments once.
  observeOutbox(outbox, metrics);
  t.equal(await value(metrics, 'edge_agent_outbox_checkpoints_total'), checkpoints.completed, 'not counted twice');
  t.equal(await value(metrics, 'edge_agent_outbox_seq_mark_writes_total', { where: 'ahead' }), marks.writesAhead, 'not counted twice');
});
