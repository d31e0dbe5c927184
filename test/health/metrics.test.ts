import t from 'tap';
import { createAgentMetrics } from '../../agent/health/metrics.js';

t.test('each method shows up under its name and labels', async (t) => {
  const m = createAgentMetrics({ processMetrics: false });
  m.frameCaptured('door');
  m.frameCaptured('door');
  m.frameDropped('door', 'busy');
  m.frameSkipped('door');
  m.inferenceObserved('person-yolox-192', 0.004);
  m.resultKept('door', 'person-yolox-192');
  m.outboxObserved({ pendingRows: 12, pendingBytes: 3400, oldestPendingAgeMs: 2500, deadRows: 1 });
  m.outboxDropped('maxRows', 5);
  m.outboxRecreated();
  m.cameraRestarted('door', 'stalled');
  m.errorCounted('EDGE_CAPTURE_STALLED');
  m.executionProviderFallback('person-yolox-192', 'cuda');
  m.sessionRebuilt('person-yolox-192');
  m.resultsPublished(3);
  m.publisherConnected(true);
  const text = await m.registry.metrics();
  const expected = [
    'edge_agent_frames_captured_total{camera="door"} 2',
    'edge_agent_frames_dropped_total{camera="door",reason="busy"} 1',
    'edge_agent_frames_skipped_total{camera="door"} 1',
    'edge_agent_inference_duration_seconds_bucket{le="0.005",model="person-yolox-192"} 1',
    'edge_agent_inference_duration_seconds_bucket{le="0.0025",model="person-yolox-192"} 0',
    'edge_agent_inference_duration_seconds_count{model="person-yolox-192"} 1',
    'edge_agent_results_kept_total{camera="door",model="person-yolox-192"} 1',
    'edge_agent_outbox_pending_rows 12',
    'edge_agent_outbox_pending_bytes 3400',
    'edge_agent_outbox_oldest_pending_age_seconds 2.5',
    'edge_agent_outbox_dead_rows 1',
    'edge_agent_outbox_dropped_rows_total{reason="maxRows"} 5',
    'edge_agent_outbox_recreated_total 1',
    'edge_agent_camera_restarts_total{camera="door",reason="stalled"} 1',
    'edge_agent_errors_total{code="EDGE_CAPTURE_STALLED"} 1',
    'edge_agent_execution_provider_fallbacks_total{model="person-yolox-192",provider="cuda"} 1',
    'edge_agent_session_rebuilds_total{model="person-yolox-192"} 1',
    'edge_agent_results_published_total 3',
    'edge_agent_publisher_connected 1',
  ];
  for (const line of expected) t.ok(text.split('\n').includes(line), line);
});

t.test('an empty outbox reports age 0; registries are independent', async (t) => {
  const a = createAgentMetrics({ processMetrics: false });
  const b = createAgentMetrics();
  a.outboxObserved({ pendingRows: 0, pendingBytes: 0, oldestPendingAgeMs: null, deadRows: 0 });
  b.frameCaptured('x');
  t.ok((await a.registry.metrics()).includes('edge_agent_outbox_oldest_pending_age_seconds 0'));
  t.notOk((await a.registry.metrics()).includes('camera="x"'));
  t.ok((await b.registry.metrics()).includes('edge_agent_process_resident_memory_bytes'), 'process metrics on by default');
});

t.test('docs/health.md lists every metric the agent exports', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { repoRoot } = await import('../helpers/shared.js');
  const doc = readFileSync(`${repoRoot}docs/health.md`, 'utf8');
  const metrics = await createAgentMetrics({ processMetrics: false }).registry.getMetricsAsJSON();
  t.ok(metrics.length > 10);
  for (const m of metrics) t.ok(doc.includes(`| \`${m.name}\` | ${m.type} |`), m.name);
});
