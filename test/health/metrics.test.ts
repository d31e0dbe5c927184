import t from 'tap';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { documentedMetrics } from './helpers/metric-sources.js';

// What exists, not what happens: no metric method is called here. Each metric is driven by the
// condition it counts in the tests of the part that causes it, and test/health/metric-callers.test.ts
// checks that production code calls every one.

t.test('every metric in docs/health.md exists in a fresh registry with the documented type and labels', async (t) => {
  const { registry } = createAgentMetrics({ processMetrics: false });
  const documented = documentedMetrics();
  t.ok(documented.length >= 20, `the table was read (${documented.length} rows)`);
  const exported = await registry.getMetricsAsJSON();
  for (const d of documented) {
    const metric = registry.getSingleMetric(d.name);
    if (metric === undefined) {
      t.fail(`${d.name} is documented but createAgentMetrics() does not define it`);
      continue;
    }
    t.equal(exported.find((m) => m.name === d.name)?.type, d.type, `${d.name} is a ${d.type}`);
    // prom-client keeps the declared label names on the metric; its typings do not show them.
    const labelNames: unknown = Reflect.get(metric, 'labelNames');
    t.same([...(labelNames as string[])].sort(), [...d.labels].sort(), `${d.name} has labels [${d.labels.join(', ')}]`);
  }
});

t.test('docs/health.md lists every metric createAgentMetrics() defines', async (t) => {
  const documented = new Set(documentedMetrics().map((d) => d.name));
  const exported = await createAgentMetrics({ processMetrics: false }).registry.getMetricsAsJSON();
  t.ok(exported.length >= 20);
  for (const m of exported) t.ok(documented.has(m.name), `${m.name} is in docs/health.md's table`);
});

t.test('process metrics are on by default and off on request; each agent has its own registry', async (t) => {
  const withProcess = createAgentMetrics();
  const without = createAgentMetrics({ processMetrics: false });
  t.not(withProcess.registry.getSingleMetric('edge_agent_process_resident_memory_bytes'), undefined, 'process metrics on by default');
  t.equal(without.registry.getSingleMetric('edge_agent_process_resident_memory_bytes'), undefined, 'left out with processMetrics: false');
  t.not(withProcess.registry, without.registry, 'registries are not shared');
  t.not(withProcess.registry.getSingleMetric('edge_agent_frames_captured_total'), without.registry.getSingleMetric('edge_agent_frames_captured_total'), 'nor their metrics');
});
