/**
 * Issue 11: `edge_agent_outbox_dropped_rows_total` grows by the real condition. The outbox is
 * wired to real agent metrics the way the composition root wires it, a limit is passed, and the
 * counter is read from the registry's exposition text; the test never calls the metric itself.
 */
import t from 'tap';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { entry, openOutbox } from './helpers.js';

/** The value of one labelled sample in Prometheus text, or null when absent. */
function sample(text: string, name: string, reason: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{reason="${reason}"}`));
  return line === undefined ? null : Number(line.split(' ').at(-1));
}

t.test('rows dropped under maxRows are counted in edge_agent_outbox_dropped_rows_total', async (t) => {
  const metrics = createAgentMetrics({ processMetrics: false });
  const outbox = openOutbox(t.testdir(), { maxRows: 20, dropFraction: 0.25, onDropped: (reason, rows) => metrics.outboxDropped(reason, rows) });
  t.teardown(() => outbox.close());
  t.equal(sample(await metrics.registry.metrics(), 'edge_agent_outbox_dropped_rows_total', 'maxRows'), null, 'nothing counted before a drop');
  for (let i = 0; i < 100; i += 1) outbox.enqueue(entry(i));
  const persisted = outbox.status().droppedByReason['maxRows'] ?? 0;
  t.ok(persisted > 0, `the limit really dropped rows (${persisted})`);
  t.equal(sample(await metrics.registry.metrics(), 'edge_agent_outbox_dropped_rows_total', 'maxRows'), persisted, 'the counter equals the results the outbox recorded as dropped');
});

t.test('an observer that throws does not undo or fail the write', async (t) => {
  const outbox = openOutbox(t.testdir(), {
    maxRows: 5,
    onDropped: () => {
      throw new Error('observer broke');
    },
  });
  t.teardown(() => outbox.close());
  for (let i = 0; i < 20; i += 1) outbox.enqueue(entry(i));
  t.equal(outbox.nextPending(100).at(-1)?.resultId, 'result-19');
  t.ok((outbox.status().droppedByReason['maxRows'] ?? 0) > 0);
});
