import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hasCode } from '../../agent/errors/agent-error.js';
import { silentLogger } from '../../agent/log/logger.js';
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
  t.same(JSON.parse(row.payload), { label: 'person', n: 2, seq: 1 });
  t.equal(row.bytes, Buffer.byteLength(row.payload));
  clock += 10;
  const second = outbox.enqueue({ resultId: 'r-2', topic: 'edge/a', payload: { text: 'ünïcode', seq: 99 } });
  t.equal(second.seq, 2);
  t.same(JSON.parse(second.payload), { text: 'ünïcode', seq: 2 }, "the outbox's seq replaces one the caller set");
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

t.test('markDelivered deletes rows at once when there is no retention', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([entry(1), entry(2), entry(3)]);
  outbox.markDelivered([rows[0]!.id, rows[2]!.id, 12345]);
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-2']);
  const s = outbox.status();
  t.equal(s.pendingRows, 1);
  t.equal(s.pendingBytes, rows[1]!.bytes);
  const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
  t.equal((db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n, 1, 'delivered rows are gone from the table');
  db.close();
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
  t.same(outbox.status(), { pendingRows: 0, pendingBytes: 0, oldestPendingAgeMs: null, deadRows: 0, droppedByReason: {}, lastSeq: 0 });
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
