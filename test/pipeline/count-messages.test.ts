/**
 * Counts messages through the real outbox and the checking subscriber: the payloads the drainer
 * would publish, alone and batched with results, validate against counts-message.schema.json,
 * share seq and streamSeq with results on the topic, and a broken one is refused by name.
 */
import t from 'tap';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { SqliteOutbox } from '../../agent/outbox/index.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { groupRows } from '../../agent/publish/batch.js';
import { resultEntry } from '../../agent/publish/result-entry.js';
import { DeliveryChecker } from '../../agent/publish/subscriber/delivery-checker.js';
import { MessageValidator } from '../../agent/publish/subscriber/message-validator.js';
import { detectionRecord } from './helpers/records.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');

t.test('counts and results through the outbox validate, alone and batched, and number without gaps', async (t) => {
  const outbox = SqliteOutbox.open({ path: join(t.testdir(), 'outbox.sqlite'), logger: silentLogger() });
  t.teardown(() => outbox.close());
  const tracking = { enabled: true, minHits: 2, maxMissedFrames: 1, minIou: 0.1, highScore: 0.5 };
  const scene = { zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] as [number, number][], labels: undefined, minDwellMs: 0 }], lines: [{ name: 'middle', from: [0.5, 0] as const, to: [0.5, 1] as const, labels: undefined }] };
  const counts = new ReportPolicy({ policy: 'counts', intervalSeconds: 5, heartbeatSeconds: 60, minScore: 0, tracking, scene });
  const every = new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0, tracking });
  const topic = 'edge-agent/dev-1/results/person-yolox-192';
  counts.recovered(T0 + 500);
  for (let f = 0; f < 14; f++) {
    const now = T0 + 1000 + f * 1000;
    const dets = f < 10 ? [{ label: 'person', score: 0.8, box: { x: 100 + f * 40, y: 200, width: 40, height: 100 } }] : [];
    const r = detectionRecord(f, now, dets);
    for (const c of counts.apply(r, now).counts) outbox.enqueue(resultEntry(c, topic));
    const kept = every.apply(r, now).record;
    if (kept !== undefined) outbox.enqueue(resultEntry(kept, topic));
  }
  counts.close(T0 + 15_500);
  for (const c of counts.dueCounts(T0 + 15_500)) outbox.enqueue(resultEntry(c, topic));

  const rows = outbox.nextPending(100);
  const checker = new DeliveryChecker();
  const kinds = rows.map((row) => checker.accept(row.topic, row.payload).kind);
  t.equal(checker.report().invalid, 0, JSON.stringify(checker.report().invalidSamples));
  t.same([...new Set(kinds)].sort(), ['counts', 'result']);
  const messages = rows.map((r) => JSON.parse(r.payload) as { kind?: string; intervalStart?: string; intervalEnd?: string; partialReason?: string; lines?: unknown[]; seq: number; streamSeq: number }).filter((m) => m.kind === 'counts');
  // Began at 10:00:00.500 and closed at 10:00:15.500 (seconds shown).
  t.same(messages.map((m) => [m.intervalStart?.slice(11, 19), m.intervalEnd?.slice(11, 19), m.partialReason]), [
    ['10:00:00', '10:00:05', 'started'],
    ['10:00:05', '10:00:10', undefined],
    ['10:00:10', '10:00:15', undefined],
    ['10:00:15', '10:00:15', 'shutdown'],
  ], 'partial, two whole, partial; contiguous');
  t.same(messages.map((m) => m.lines), [[], [{ line: 'middle', label: 'person', forward: 1, backward: 0 }], [], []], 'the crossing at x = 0.5 (frame 5, 10:00:06) in the second interval');
  const device = checker.report().devices[0];
  t.same(device?.gaps, [], 'counts and results share the stream without holes');
  t.equal(device?.uniqueResults, rows.length);

  // The drainer's batches (a backlog) carry counts beside results; the batch schema accepts them.
  const batched = groupRows(rows, { maxResults: 50, maxBytes: 128 * 1024, minBacklogRows: 2 }, 128 * 1024);
  t.equal(batched.length, 1, 'one batch');
  const validator = new MessageValidator();
  const batch = validator.validate((batched[0] as { message: { payload: string } }).message.payload);
  t.same(batch.ok ? batch.kind : batch.errors, 'batch', 'the batch with counts inside is valid');

  const one = JSON.parse(rows.find((r) => r.payload.includes('"kind":"counts"'))?.payload ?? '{}') as Record<string, unknown>;
  const broken = validator.validate(JSON.stringify({ ...one, partial: false }));
  t.notOk(broken.ok, 'a partial interval without partial: true is refused (partialReason only with partial)');
  const noSeq = validator.validate(JSON.stringify({ ...one, seq: undefined, zones: [{ zone: 'right', label: 'person' }] }));
  t.match(noSeq.ok ? [] : noSeq.errors.join('\n'), /seq[\s\S]*\/zones\/0/, 'names the missing seq and the zone without a count');
});
