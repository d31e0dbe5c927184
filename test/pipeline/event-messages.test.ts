/**
 * Event messages through the real outbox and the checking subscriber's validator: the payloads
 * the drainer would publish validate against event-message.schema.json, share seq and streamSeq
 * with results on the topic, and a broken event is refused.
 */
import t from 'tap';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { SqliteOutbox } from '../../agent/outbox/index.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { resultEntry } from '../../agent/publish/result-entry.js';
import { DeliveryChecker } from '../../agent/publish/subscriber/delivery-checker.js';
import { MessageValidator } from '../../agent/publish/subscriber/message-validator.js';
import { detectionRecord } from './helpers/records.js';

t.test('events and results through the outbox validate and number without gaps', async (t) => {
  const outbox = SqliteOutbox.open({ path: join(t.testdir(), 'outbox.sqlite'), logger: silentLogger() });
  t.teardown(() => outbox.close());
  const tracking = { enabled: true, minHits: 2, maxMissedFrames: 1, minIou: 0.1, highScore: 0.5 };
  const scene = { zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] as [number, number][], labels: undefined, minDwellMs: 0 }], lines: [{ name: 'middle', from: [0.5, 0] as const, to: [0.5, 1] as const, labels: undefined }] };
  const events = new ReportPolicy({ policy: 'events', heartbeatSeconds: 60, minScore: 0, tracking, scene });
  const every = new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0, tracking });
  const topic = 'edge-agent/dev-1/results/person-yolox-192';
  for (let f = 0; f < 14; f++) {
    const dets = f < 10 ? [{ label: 'person', score: 0.8, box: { x: 100 + f * 40, y: 200, width: 40, height: 100 } }] : [];
    const r = detectionRecord(f, 1_700_000_000_000 + f * 1000, dets);
    for (const e of events.apply(r, f * 1000).events) outbox.enqueue(resultEntry(e, topic));
    const kept = every.apply(r, f * 1000).record;
    if (kept !== undefined) outbox.enqueue(resultEntry(kept, topic));
  }
  const rows = outbox.nextPending(100);
  const checker = new DeliveryChecker();
  const kinds = rows.map((row) => checker.accept(row.topic, row.payload).kind);
  const report = checker.report();
  t.equal(report.invalid, 0, JSON.stringify(report.invalidSamples));
  t.same([...new Set(kinds)].sort(), ['event', 'result']);
  const types = rows.map((r) => JSON.parse(r.payload) as { kind?: string; type?: string }).filter((p) => p.kind === 'event').map((p) => p.type);
  t.same(types, ['start', 'update', 'update', 'end'], 'start, two updates, end');
  const updates = rows.map((r) => JSON.parse(r.payload) as { type?: string; changes?: unknown[] }).filter((p) => p.type === 'update');
  // The anchor reaches x = 0.5 at frame 5: on the zone's edge (inside) and on the line, which is
  // decided when it leaves the line, to the right at frame 6: one forward crossing.
  t.same(updates.map((u) => u.changes), [[{ type: 'zone-entered', zone: 'right' }], [{ type: 'line-crossed', line: 'middle', direction: 'forward' }]]);
  t.equal(report.devices[0]?.deviceId, 'dev-1');
  t.same(report.devices[0]?.gaps, [], 'no gap');
  const withTrack = rows.map((r) => JSON.parse(r.payload) as { detections?: { trackId?: string }[] }).flatMap((p) => p.detections ?? []).filter((d) => d.trackId !== undefined);
  t.ok(withTrack.length >= 8, `results carry trackId (${withTrack.length} detections)`);
});

t.test('the validator refuses a broken event and accepts one in a batch', async (t) => {
  const v = new MessageValidator();
  const p = new ReportPolicy({ policy: 'events', heartbeatSeconds: 60, minScore: 0, tracking: { enabled: true, minHits: 1, maxMissedFrames: 0, minIou: 0.1, highScore: 0.5 } });
  const [start] = p.apply(detectionRecord(0, 0, [{ label: 'person', score: 0.8, box: { x: 1, y: 2, width: 3, height: 4 } }]), 0).events;
  const [end] = p.apply(detectionRecord(1, 1000, []), 1000).events;
  t.ok(start !== undefined && end !== undefined);
  const msg = (e: object, seq: number) => ({ ...e, seq, streamSeq: seq });
  t.equal(v.validate(JSON.stringify(msg(start as object, 1))).ok, true);
  const endMsg = msg(end as object, 2) as Record<string, unknown>;
  t.equal(v.validate(JSON.stringify(endMsg)).ok, true);
  for (const reason of ['restart', 'reconfigured', 'shutdown']) t.equal(v.validate(JSON.stringify({ ...endMsg, reason })).ok, true, `reason ${reason} validates`);
  t.equal(v.validate(JSON.stringify({ ...endMsg, reason: 'crashed' })).ok, false, 'an unknown reason is refused');
  const noReason = { ...endMsg };
  delete noReason.reason;
  const bad = v.validate(JSON.stringify(noReason));
  t.equal(bad.ok, false, 'an end without its reason is refused');
  t.equal(bad.kind, 'event');
  const batch = v.validate(JSON.stringify({ schemaVersion: 1, kind: 'batch', results: [msg(start as object, 1), endMsg] }));
  t.equal(batch.ok, true, 'events in a batch');
  const badBatch = v.validate(JSON.stringify({ schemaVersion: 1, kind: 'batch', results: [noReason] }));
  t.equal(badBatch.ok, false, 'a broken event in a batch is refused');
});
