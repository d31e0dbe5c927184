import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hasCode } from '../../agent/errors/agent-error.js';
import { silentLogger } from '../../agent/log/logger.js';
import { OutboxReader } from '../../agent/outbox/outbox-reader.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import type { OutboxEntry } from '../../agent/outbox/outbox.js';
import { entry, openOutbox } from './helpers.js';

t.test('enqueue stores one row with seq in the payload and the interface fields', async (t) => {
  const dir = t.testdir();
  let clock = 1_700_000_000_000;
  const outbox = openOutbox(dir, { now: () => clock });
  t.teardown(() => outbox.close());
  const row = outbox.enqueue({ resultId: 'r-1', topic: 'edge/a', payload: { label: 'person', n: 2 } });
  t.equal(row.seq, 1);
  t.equal(row.resultId, 'r-1');
  t.equal(row.topic, 'edge/a');
  t.equal(row.state, 'pending');
  t.equal(row.kind, 'result');
  t.equal(row.attempts, 0);
  t.equal(row.createdAtMs, clock);
  t.same(JSON.parse(row.payload), { label: 'person', n: 2, seq: 1, streamSeq: 1 });
  t.equal(row.streamSeq, 1);
  t.equal(row.bytes, Buffer.byteLength(row.payload));
  clock += 10;
  const second = outbox.enqueue({ resultId: 'r-2', topic: 'edge/a', payload: { text: 'ünïcode', seq: 99, streamSeq: 98 } });
  t.equal(second.seq, 2);
  t.same(JSON.parse(second.payload), { text: 'ünïcode', seq: 2, streamSeq: 2 }, "the outbox's seq and streamSeq replace those the caller set");
  t.equal(second.bytes, Buffer.byteLength(second.payload, 'utf8'));
  t.same(outbox.nextPending(10), [row, second], 'nextPending returns exactly what enqueue returned');
});

t.test('seq keeps increasing across restarts, even after every row was delivered', async (t) => {
  const dir = t.testdir();
  let outbox = openOutbox(dir);
  const first = outbox.enqueueMany([entry(1), entry(2), entry(3)]);
  t.same(first.map((r) => r.seq), [1, 2, 3]);
  outbox.markDelivered(first.map((r) => r.id));
  outbox.close();
  outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.equal(outbox.status().pendingRows, 0);
  t.equal(outbox.status().lastSeq, 3);
  t.equal(outbox.enqueue(entry(4)).seq, 4);
});

t.test('the database runs in WAL mode with the chosen synchronous setting', async (t) => {
  for (const [synchronous, expected] of [['full', 2], ['normal', 1]] as const) {
    const dir = t.testdir();
    const outbox = openOutbox(dir, { synchronous });
    outbox.close();
    const db = new Database(join(dir, 'outbox.sqlite'));
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    // synchronous is per connection: check it on the outbox's own connection through a fresh open.
    const again = openOutbox(dir, { synchronous });
    t.equal((again as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true }), expected, synchronous);
    again.close();
  }
});

t.test('nextPending pages with limit and afterId; markAttempted counts attempts', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([1, 2, 3, 4, 5].map((i) => entry(i)));
  const page1 = outbox.nextPending(2);
  t.same(page1.map((r) => r.resultId), ['result-1', 'result-2']);
  const page2 = outbox.nextPending(2, page1[1]?.id);
  t.same(page2.map((r) => r.resultId), ['result-3', 'result-4']);
  outbox.markAttempted([rows[0]!.id, rows[0]!.id, rows[2]!.id]);
  const after = outbox.nextPending(10);
  t.same(after.map((r) => r.attempts), [2, 0, 1, 0, 0]);
  t.throws(() => outbox.nextPending(0), { code: 'EDGE_OUTBOX_INVALID_ENTRY' });
});

t.test('markDelivered without retention: rows stop being pending at once and leave the table by compact()', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([entry(1), entry(2), entry(3)]);
  outbox.markDelivered([rows[0]!.id, rows[2]!.id, 12345]);
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-2']);
  t.same(outbox.nextPending(10, 0).map((r) => r.resultId), ['result-2'], 'an afterId below the watermark does not bring row 1 back');
  const s = outbox.status();
  t.equal(s.pendingRows, 1);
  t.equal(s.pendingBytes, rows[1]!.bytes);
  const tableRows = (): number => {
    const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
    const n = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    db.close();
    return n;
  };
  // Row 1 was the oldest pending row, so the watermark moved over it; row 3 was not (row 2 lies
  // before it), so it was deleted at once.
  t.equal(tableRows(), 2, 'the acknowledged oldest row waits for compaction; the other one is gone');
  t.equal(outbox.compact(10), 1, 'compact deletes it');
  t.equal(tableRows(), 1);
  t.equal(outbox.compact(10), 0, 'and then has nothing left to do');
  outbox.markDelivered([rows[1]!.id]);
  t.equal(outbox.status().pendingRows, 0);
  t.equal(outbox.status().oldestPendingAgeMs, null, 'nothing pending, even though row 2 is still stored');
});

t.test('the delivered watermark survives a restart and every reader respects it', async (t) => {
  const dir = t.testdir();
  let outbox = openOutbox(dir);
  const rows = outbox.enqueueMany([1, 2, 3, 4, 5].map((i) => entry(i)));
  outbox.markDelivered([rows[0]!.id, rows[1]!.id, rows[2]!.id]);
  outbox.close();
  outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-4', 'result-5'], 'acknowledged rows stay acknowledged after reopening');
  t.equal(outbox.status().pendingRows, 2);
  t.equal(outbox.status().pendingBytes, rows[3]!.bytes + rows[4]!.bytes);
  outbox.deadLetter(rows[0]!.id, 'too late');
  t.equal(outbox.status().deadRows, 0, 'dead-lettering an acknowledged row does nothing');
  const reader = OutboxReader.open(join(dir, 'outbox.sqlite'));
  t.same([...reader.pending()].map((r) => r.resultId), ['result-4', 'result-5'], 'outbox export skips acknowledged rows');
  t.equal(reader.status().pendingRows, 2, 'outbox status counts the same');
  reader.close();
  t.equal(outbox.compact(2), 2, 'compact deletes at most the rows asked for');
  t.equal(outbox.compact(2), 1);
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-4', 'result-5']);
});

t.test('acknowledged rows are deleted as acks arrive once they hold an eighth of maxBytes', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { maxBytes: 400_000 });
  t.teardown(() => outbox.close());
  const entries = Array.from({ length: 600 }, (_, i) => ({ ...entry(i), payload: { text: 'x'.repeat(400), i } }));
  const rows = outbox.enqueueMany(entries);
  for (const row of rows) outbox.markDelivered([row.id]);
  const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
  const stored = db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM outbox').get() as { n: number; bytes: number };
  db.close();
  t.equal(outbox.status().pendingRows, 0);
  t.ok(stored.bytes <= 400_000 / 8, `stored acknowledged bytes ${stored.bytes} stay within an eighth of maxBytes`);
  t.ok(stored.n < rows.length, `${stored.n} of ${rows.length} rows still stored`);
});

t.test('markDelivered takes ids in any order, with repeats, gaps and rows already gone', async (t) => {
  for (const retention of [0, 60_000]) {
    const dir = t.testdir();
    const outbox = openOutbox(dir, { deliveredRetentionMs: retention });
    const rows = outbox.enqueueMany([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => entry(i)));
    const id = (n: number): number => rows[n - 1]!.id;
    outbox.deadLetter(id(8), 'refused');
    // Runs 1-3 and 7-9 (8 is already dead-lettered), 10 twice, 3 twice, and an id never stored.
    outbox.markDelivered([id(3), id(1), id(2), id(10), id(9), id(7), id(8), id(10), id(3), 99_999]);
    const left = [4, 5, 6];
    outbox.compact(100);
    t.same(outbox.nextPending(100).map((r) => r.resultId), left.map((n) => `result-${n}`), `retention ${retention}: pending rows`);
    const s = outbox.status();
    t.equal(s.pendingRows, 3, `retention ${retention}: the kept count matches`);
    t.equal(s.pendingBytes, left.reduce((sum, n) => sum + rows[n - 1]!.bytes, 0), `retention ${retention}: the kept bytes match`);
    t.equal(s.deadRows, 1, `retention ${retention}: the dead-lettered row stays dead`);
    outbox.close();
    const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
    const states = db.prepare('SELECT state, count(*) AS n FROM outbox GROUP BY state ORDER BY state').all();
    t.same(states, retention === 0 ? [{ state: 'pending', n: 3 }] : [{ state: 'delivered', n: 6 }, { state: 'pending', n: 3 }], `retention ${retention}: table states after compact()`);
    db.close();
  }
});

t.test('acknowledgements commit without waiting for the disk, and the configured setting comes back', async (t) => {
  for (const [synchronous, expected] of [['full', 2], ['normal', 1]] as const) {
    const outbox = openOutbox(t.testdir(), { synchronous });
    const db = (outbox as unknown as { db: Database.Database }).db;
    const rows = outbox.enqueueMany([entry(1), entry(2)]);
    // The order of events on the connection: pragmas it executes, and the ack's write (a trigger
    // on the watermark's counter).
    const events: string[] = [];
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => {
      events.push(sql);
      return exec(sql);
    };
    db.function('probe_write', () => {
      events.push('write');
      return 0;
    });
    exec('CREATE TEMP TRIGGER probe AFTER UPDATE ON counters BEGIN SELECT probe_write(); END');
    outbox.markDelivered([rows[0]!.id]);
    const relaxed = synchronous === 'full' ? ['PRAGMA synchronous = NORMAL', 'write', 'PRAGMA synchronous = FULL'] : ['write'];
    t.same(events, relaxed, `${synchronous}: the ack transaction ran with NORMAL, between the two pragmas`);
    t.equal(db.pragma('synchronous', { simple: true }), expected, `${synchronous}: restored afterwards`);
    outbox.enqueue(entry(3));
    t.equal(db.pragma('synchronous', { simple: true }), expected, `${synchronous}: enqueue keeps the configured setting`);
    outbox.close();
  }
});

t.test('delivered rows are kept for the retention time, then pruned in batches', async (t) => {
  const dir = t.testdir();
  let clock = 1_000_000;
  const outbox = openOutbox(dir, { now: () => clock, deliveredRetentionMs: 60_000, pruneIntervalMs: 1_000 });
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([entry(1), entry(2)]);
  outbox.markDelivered([rows[0]!.id]);
  const count = (state: string): number => {
    const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
    const n = (db.prepare('SELECT count(*) AS n FROM outbox WHERE state = ?').get(state) as { n: number }).n;
    db.close();
    return n;
  };
  t.equal(count('delivered'), 1, 'kept while retention runs');
  t.equal(outbox.status().pendingRows, 1, 'a delivered row is not pending');
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-2']);
  clock += 30_000;
  t.equal(outbox.pruneDelivered(), 0, 'not yet expired');
  clock += 31_000;
  outbox.enqueue(entry(3)); // the periodic prune rides on writes
  t.equal(count('delivered'), 0, 'pruned after the retention time');
});

t.test('deadLetter moves a pending row to the dead-letter table with its reason', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { maxDeadLetterRows: 2 });
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([1, 2, 3, 4].map((i) => entry(i)));
  outbox.markAttempted([rows[0]!.id]);
  outbox.deadLetter(rows[0]!.id, 'payload too large for broker');
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-2', 'result-3', 'result-4']);
  t.equal(outbox.status().deadRows, 1);
  const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
  const dead = db.prepare('SELECT result_id, seq, reason, attempts, payload FROM dead_letter').all();
  t.same(dead, [{ result_id: 'result-1', seq: 1, reason: 'payload too large for broker', attempts: 1, payload: rows[0]!.payload }]);
  outbox.deadLetter(rows[1]!.id, 'x');
  outbox.deadLetter(rows[2]!.id, 'y');
  outbox.deadLetter(9999, 'unknown row is ignored');
  t.equal(outbox.status().deadRows, 2, 'the dead-letter table is bounded by maxDeadLetterRows');
  t.same((db.prepare('SELECT result_id FROM dead_letter ORDER BY id').all() as { result_id: string }[]).map((r) => r.result_id), ['result-2', 'result-3'], 'the oldest dead row went first');
  db.close();
  t.equal(outbox.status().pendingRows, 1);
});

t.test('a duplicate resultId is refused and a failed batch stores nothing', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  outbox.enqueue(entry(1));
  const err = t.throws(() => outbox.enqueue(entry(1)), { code: 'EDGE_OUTBOX_DUPLICATE_RESULT' }) as unknown as Error;
  t.match(err.message, /result-1 is already in the outbox/);
  t.throws(() => outbox.enqueueMany([entry(2), entry(3), entry(2)]), { code: 'EDGE_OUTBOX_DUPLICATE_RESULT' });
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-1'], 'no row of the failed batch was kept');
  t.same([outbox.status().pendingRows, outbox.status().pendingBytes], [1, outbox.nextPending(1)[0]!.bytes], 'the kept totals match the table after a rollback');
  t.equal(outbox.enqueue(entry(2)).seq, 2, 'the seq of the rolled-back batch is not burnt');
});

t.test('invalid entries are refused with the field named', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  const bad: [unknown, RegExp][] = [
    [{ resultId: '', topic: 't', payload: {} }, /non-empty string for resultId/],
    [{ resultId: 'a', topic: 'a/#', payload: {} }, /without wildcards .* received "a\/#"/],
    [{ resultId: 'a', topic: 't', payload: [1] }, /JSON object for payload .* an array/],
    [{ resultId: 'a', topic: 't', payload: { n: 10n } }, /JSON-serializable/],
  ];
  for (const [e, message] of bad) {
    const err = t.throws(() => outbox.enqueue(e as OutboxEntry), { code: 'EDGE_OUTBOX_INVALID_ENTRY' }) as unknown as Error;
    t.match(err.message, message);
  }
  t.equal(outbox.status().lastSeq, 0);
});

t.test('options out of range are refused before the file is touched', async (t) => {
  const path = join(t.testdir(), 'outbox.sqlite');
  const err = t.throws(() => SqliteOutbox.open({ path, logger: silentLogger(), maxRows: -1 }), { code: 'EDGE_OUTBOX_INVALID_OPTION' }) as unknown as Error;
  t.equal(err.message, 'Expected positive integer for outbox option maxRows but received -1 of type number');
  t.throws(() => SqliteOutbox.open({ path, logger: silentLogger(), synchronous: 'off' as never }), /Expected 'full' or 'normal'/);
  t.throws(() => SqliteOutbox.open({ path, logger: silentLogger(), dropFraction: 1 }), { code: 'EDGE_OUTBOX_INVALID_OPTION' });
});

t.test('use after close is an AgentError, and close twice is fine', async (t) => {
  const outbox = openOutbox(t.testdir());
  outbox.close();
  outbox.close();
  try {
    outbox.enqueue(entry(1));
    t.fail('expected a throw');
  } catch (err) {
    t.ok(hasCode(err, 'EDGE_OUTBOX_CLOSED'));
  }
});

t.test('status reports depth, bytes, oldest age, dead rows and last seq', async (t) => {
  let clock = 5_000_000;
  const outbox = openOutbox(t.testdir(), { now: () => clock });
  t.teardown(() => outbox.close());
  t.same(outbox.status(), { pendingRows: 0, pendingBytes: 0, oldestPendingAgeMs: null, deadRows: 0, droppedByReason: {}, corruptRows: 0, lastSeq: 0 });
  const rows = outbox.enqueueMany([entry(1), entry(2)]);
  clock += 4_000;
  outbox.enqueue(entry(3));
  clock += 1_000;
  outbox.deadLetter(rows[1]!.id, 'refused');
  const s = outbox.status();
  t.equal(s.pendingRows, 2);
  t.equal(s.pendingBytes, rows[0]!.bytes + outbox.nextPending(10)[1]!.bytes);
  t.equal(s.oldestPendingAgeMs, 5_000);
  t.equal(s.deadRows, 1);
  t.equal(s.lastSeq, 3);
});

t.test('a file from before the delivered watermark opens with it at 0 and keeps its pending rows', async (t) => {
  const dir = t.testdir();
  const first = openOutbox(dir);
  first.enqueueMany([entry(1), entry(2)]);
  first.close();
  const db = new Database(join(dir, 'outbox.sqlite'));
  db.prepare("DELETE FROM counters WHERE name = 'deliveredThrough'").run();
  db.close();
  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-1', 'result-2']);
  const rows = outbox.nextPending(10);
  outbox.markDelivered([rows[0]!.id]);
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-2'], 'and the watermark works from there');
});
