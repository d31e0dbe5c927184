import t from 'tap';
import type { DropRecordPayload } from '../../agent/outbox/drop-oldest.js';
import type { OutboxRow } from '../../agent/outbox/outbox.js';
import type { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { entry, openOutbox } from './helpers.js';

function allPending(outbox: SqliteOutbox): OutboxRow[] {
  return outbox.nextPending(1_000_000);
}

function dropRecords(outbox: SqliteOutbox): (DropRecordPayload & { seq: number })[] {
  return allPending(outbox)
    .filter((r) => r.kind === 'drop')
    .map((r) => JSON.parse(r.payload) as DropRecordPayload & { seq: number });
}

/** Results still pending plus results reported dropped must equal results enqueued. */
function accountedResults(outbox: SqliteOutbox): number {
  const pendingResults = allPending(outbox).filter((r) => r.kind === 'result').length;
  const dropped = Object.values(outbox.status().droppedByReason).reduce((a, b) => a + b, 0);
  return pendingResults + dropped;
}

t.test('maxRows drops the oldest pending rows in a batch and records the drop', async (t) => {
  const outbox = openOutbox(t.testdir(), { maxRows: 10, dropFraction: 0.3, dropTopic: 'edge/dev1/drops', dropRecordFields: { deviceId: 'dev1' } });
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => entry(i)));
  t.equal(outbox.status().pendingRows, 10);
  const eleventh = outbox.enqueue(entry(11));
  // Room for the new row and the drop record at 70% of 10: keep 5, drop 5.
  const pending = allPending(outbox);
  t.same(pending.map((r) => r.kind === 'drop' ? 'drop' : r.resultId), ['result-6', 'result-7', 'result-8', 'result-9', 'result-10', 'drop', 'result-11']);
  const [record] = dropRecords(outbox);
  t.match(record, { type: 'outbox.drop', reason: 'maxRows', droppedRows: 5, firstSeq: 1, lastSeq: 5, droppedByReason: { maxRows: 5 }, deviceId: 'dev1', seq: 11 });
  t.equal(record?.droppedBytes, rows.slice(0, 5).reduce((a, r) => a + r.bytes, 0));
  t.equal(pending.find((r) => r.kind === 'drop')?.topic, 'edge/dev1/drops');
  t.equal(eleventh.seq, 12, 'the drop record took its own seq before the new row');
  t.same(outbox.status().droppedByReason, { maxRows: 5 });
});

t.test('drop counts survive a restart and a dropped drop record is folded into the next', async (t) => {
  const dir = t.testdir();
  let outbox = openOutbox(dir, { maxRows: 6, dropFraction: 0.5 });
  for (let i = 0; i < 40; i += 1) outbox.enqueue(entry(i));
  t.equal(accountedResults(outbox), 40, 'every result is pending or counted as dropped');
  const before = outbox.status().droppedByReason;
  t.ok((before['maxRows'] ?? 0) > 0);
  outbox.close();
  outbox = openOutbox(dir, { maxRows: 6, dropFraction: 0.5 });
  t.teardown(() => outbox.close());
  t.same(outbox.status().droppedByReason, before, 'persisted across reopen');
  // The drop records still pending explain every dropped result between them.
  const explained = dropRecords(outbox).reduce((a, d) => a + d.droppedRows, 0);
  t.equal(explained, before['maxRows'], 'folded drop records keep the full count');
  const records = dropRecords(outbox);
  t.equal(Math.min(...records.map((d) => d.firstSeq)), 1, 'the oldest gap is still described');
  t.ok(outbox.status().pendingRows <= 6);
});

t.test('maxBytes drops by payload bytes', async (t) => {
  const outbox = openOutbox(t.testdir(), { maxBytes: 4_000, dropFraction: 0.25 });
  t.teardown(() => outbox.close());
  const filler = 'x'.repeat(200);
  for (let i = 0; i < 40; i += 1) outbox.enqueue(entry(i, { filler }));
  const s = outbox.status();
  t.ok(s.pendingBytes <= 4_000, `pendingBytes ${s.pendingBytes} within maxBytes`);
  t.ok((s.droppedByReason['maxBytes'] ?? 0) > 0);
  t.equal(accountedResults(outbox), 40);
  t.ok(dropRecords(outbox).every((d) => d.reason === 'maxBytes'));
});

t.test('maxAge drops rows older than the limit, and only those', async (t) => {
  let clock = 10_000_000;
  const outbox = openOutbox(t.testdir(), { maxAgeMs: 60_000, now: () => clock });
  t.teardown(() => outbox.close());
  outbox.enqueueMany([entry(1), entry(2)]);
  clock += 30_000;
  outbox.enqueue(entry(3));
  clock += 40_000; // rows 1 and 2 are now 70 s old, row 3 is 40 s old
  outbox.enqueue(entry(4));
  const pending = allPending(outbox);
  t.same(pending.map((r) => r.kind === 'drop' ? 'drop' : r.resultId), ['result-3', 'drop', 'result-4']);
  t.match(dropRecords(outbox)[0], { reason: 'maxAge', droppedRows: 2, firstSeq: 1, lastSeq: 2 });
  t.same(outbox.status().droppedByReason, { maxAge: 2 });
});

t.test('below minFreeDisk, delivered rows go first, then a batch of the oldest pending rows', async (t) => {
  let free = 1e12;
  const outbox = openOutbox(t.testdir(), {
    minFreeDiskBytes: 1_000_000,
    diskCheckIntervalMs: 0,
    deliveredRetentionMs: 3_600_000,
    freeDiskBytes: () => free,
  });
  t.teardown(() => outbox.close());
  const filler = 'y'.repeat(1_000);
  const rows = [];
  for (let i = 0; i < 200; i += 1) rows.push(outbox.enqueue(entry(i, { filler })));
  // Five delivered rows free less than the next insert asks for, so pending rows go too.
  outbox.markDelivered(rows.slice(0, 5).map((r) => r.id));
  t.same(outbox.status().droppedByReason, {}, 'no drops while there is space');
  free = 500_000;
  outbox.enqueue(entry(1000, { filler }));
  const s = outbox.status();
  t.ok((s.droppedByReason['minFreeDisk'] ?? 0) > 0, 'dropped for minFreeDisk');
  t.equal(dropRecords(outbox)[0]?.firstSeq, 6, 'the oldest pending row (after the delivered ones) went first');
  t.equal(accountedResults(outbox), 201 - 5);
  const droppedOnce = s.droppedByReason['minFreeDisk'];
  // Freed pages are reused: the next rows do not drop again at once.
  outbox.enqueue(entry(1001, { filler }));
  t.equal(outbox.status().droppedByReason['minFreeDisk'], droppedOnce, 'the freed space is reused before dropping again');
  free = 1e12;
  for (let i = 0; i < 50; i += 1) outbox.enqueue(entry(2000 + i, { filler }));
  t.equal(outbox.status().droppedByReason['minFreeDisk'], droppedOnce, 'no drops once space is back');
});

t.test('limits never count or drop rows below the delivered watermark', async (t) => {
  const outbox = openOutbox(t.testdir(), { maxRows: 10, dropFraction: 0.3 });
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => entry(i)));
  // The three oldest are acknowledged: the watermark moves over them, they stay stored.
  outbox.markDelivered(rows.slice(0, 3).map((r) => r.id));
  t.equal(outbox.status().pendingRows, 7);
  outbox.enqueueMany([11, 12, 13].map((i) => entry(i)));
  t.same(outbox.status().droppedByReason, {}, 'ten pending rows fit: the acknowledged ones do not count');
  outbox.enqueue(entry(14));
  const record = dropRecords(outbox)[0];
  t.equal(record?.firstSeq, 4, 'the drop starts after the acknowledged rows');
  t.equal(accountedResults(outbox), 14 - 3, 'every result not acknowledged is pending or counted as dropped');
});
