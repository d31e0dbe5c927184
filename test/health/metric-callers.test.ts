import t from 'tap';
import { agentSources, documentedMetrics, writersByMetric } from './helpers/metric-sources.js';

// A documented metric that no production code writes would sit at zero for ever and look healthy.
// For each metric in docs/health.md: the AgentMetrics method(s) that write it (read from
// agent/health/metrics.ts), and at least one file under agent/ other than metrics.ts calling one.

t.test('every documented metric is written by a method that production code calls', async (t) => {
  const writers = writersByMetric();
  const sources = agentSources().filter((s) => s.path !== 'agent/health/metrics.ts');
  t.ok(sources.length > 50, `agent/ sources read (${sources.length})`);
  const documented = documentedMetrics();
  t.ok(documented.length >= 20, `docs/health.md's table read (${documented.length} rows)`);
  for (const d of documented) {
    const methods = writers.get(d.name) ?? [];
    if (methods.length === 0) {
      t.fail(`${d.name}: no AgentMetrics method in agent/health/metrics.ts writes it`);
      continue;
    }
    const callers = sources.filter((s) => methods.some((m) => new RegExp(`\\.${m}\\(`).test(s.text))).map((s) => s.path);
    t.ok(callers.length > 0, `${d.name} (${methods.join(', ')}) is called from ${callers.length === 0 ? 'nowhere under agent/' : callers.join(', ')}`);
  }
});

t.test('the reader of metrics.ts finds what it should', async (t) => {
  // Guards the check above against a reader that finds nothing and so passes nothing.
  const writers = writersByMetric();
  t.same(writers.get('edge_agent_session_rebuilds_total'), ['sessionRebuilt']);
  t.same(writers.get('edge_agent_outbox_pending_rows'), ['outboxObserved']);
  t.same(writers.get('edge_agent_model_variant_info'), ['variantInUse']);
});
