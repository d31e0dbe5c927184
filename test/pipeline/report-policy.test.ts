import t from 'tap';
import { ReportPolicy, signatureOf } from '../../agent/pipeline/report-policy.js';
import type { DetectionRecord } from '../../agent/results/result-record.js';

const rec = (...dets: [string, number][]): DetectionRecord => ({
  schemaVersion: 1, resultId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', deviceId: 'd', model: { id: 'm', version: '1', sha256: 'a'.repeat(64) },
  frame: { source: 'cam', seq: 0, capturedAt: new Date(0).toISOString(), width: 10, height: 10 }, timing: { preprocessMs: 0, inferenceMs: 0, postprocessMs: 0 }, provider: 'cpu',
  detections: dets.map(([label, score]) => ({ label, score, box: { x: 0, y: 0, width: 1, height: 1 } })),
});

t.test('every keeps everything', async (t) => {
  const p = new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0 });
  t.equal(p.apply(rec(), 0).decision, 'every');
  t.equal(p.apply(rec(), 1).decision, 'every');
});

t.test('on-change keeps changes in labels or counts, and a heartbeat', async (t) => {
  const p = new ReportPolicy({ policy: 'on-change', heartbeatSeconds: 10, minScore: 0 });
  t.equal(p.apply(rec(), 0).decision, 'changed', 'first result is a change');
  t.equal(p.apply(rec(), 1000).decision, 'skip');
  t.equal(p.apply(rec(['person', 0.9]), 2000).decision, 'changed');
  t.equal(p.apply(rec(['person', 0.7]), 3000).decision, 'skip', 'same labels and counts, different score');
  t.equal(p.apply(rec(['person', 0.7], ['person', 0.6]), 4000).decision, 'changed', 'count changed');
  t.equal(p.apply(rec(['person', 0.7], ['person', 0.6]), 13999).decision, 'skip');
  t.equal(p.apply(rec(['person', 0.7], ['person', 0.6]), 14000).decision, 'heartbeat', '10 s after the last kept');
});

t.test('minScore filters detections before deciding', async (t) => {
  const p = new ReportPolicy({ policy: 'on-change', heartbeatSeconds: 60, minScore: 0.8 });
  const first = p.apply(rec(['person', 0.9], ['person', 0.5]), 0);
  t.equal(first.record && 'detections' in first.record ? first.record.detections.length : -1, 1);
  t.equal(p.apply(rec(['person', 0.95], ['person', 0.4]), 1).decision, 'skip', 'weak one does not count as a change');
  t.equal(signatureOf(rec(['b', 1], ['a', 1], ['b', 1])), 'a:1,b:2');
});
