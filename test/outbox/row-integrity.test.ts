/**
 * Row integrity: a byte flipped in a payload in the real SQLite file (written with a second
 * connection, as a bad block or a stray write would) is caught before the row is sent: the row
 * is dead-lettered with the reason, counted, and never returned. A version-1 file (no checksum
 * column) is migrated in place and its rows are still sent.
 */
import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { DeadLetters } from '../../agent/outbox/dead-letters.js';
import { OutboxReader } from '../../agent/outbox/outbox-reader.js';
import { entry, integrityCheck, openOutbox } from './helpers.js';

/** Flips one byte of row `id`'s payload through a separate connection (the outbox stays open). */
function flipPayloadByte(path: string, id: number): void {
  const db = new Database(path);
  try {
    const payload = db.prepare('SELECT payload FROM outbox WHERE id = ?').pluck().get(id) as string;
    // "i":3 becomes "i":2: still valid JSON, still the same length; only the checksum can tell.
    const changed = payload.replace('"i":3', '"i":2');
    if (changed === payload) throw new Error(`test set-up: no "i":3 in ${payload}`);
    db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(changed, id);
  } finally {
    db.close();
  }
}

t.test('a payload changed on disk is dead-lettered with its reason, counted, and never handed out', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const metrics = createAgentMetrics({ processMetrics: false });
  const outbox = openOutbox(dir, { onCorrupt: (rows) => metrics.outboxCorruptRows(rows) });
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([1, 2, 3, 4, 5].map((i) => entry(i)));
  flipPayloadByte(path, rows[2]!.id);

  // The reader (CLI export) leaves it out too, without changing anything.
  const reader = OutboxReader.open(path);
  const seen: number[] = [];
  t.same([...reader.pending(500, (c) => seen.push(c.seq))].map((r) => r.seq), [1, 2, 4, 5]);
  t.same(seen, [3], 'the reader reports the corrupt row');
  reader.close();

  const page = outbox.nextPending(3);
  t.same(page.map((r) => r.resultId), ['result-1', 'result-2', 'result-4'], 'the corrupt row is skipped and the page still holds 3 rows');
  const after = outbox.nextPending(10);
  t.same(after.map((r) => r.seq), [1, 2, 4, 5, 6], 'the corrupt row is left out, and a drop record follows');
  const record = after[4]!;
  t.equal(record.kind, 'drop');
  t.match(JSON.parse(record.payload), { type: 'outbox.drop', reason: 'corrupt', stream: 'edge/dev1/results/cam0', firstSeq: 3, lastSeq: 3, droppedRows: 1 }, 'the subscriber is told seq 3 will not come');
  const s = outbox.status();
  t.equal(s.deadRows, 1);
  t.equal(s.corruptRows, 1);
  t.equal(s.pendingRows, 5, 'pending counts exclude it (four results and the drop record)');
  t.match(await metrics.registry.metrics(), /edge_agent_outbox_corrupt_rows_total 1\n/, 'counted in the metric through the observer');

  const dead = DeadLetters.open(path);
  t.teardown(() => dead.close());
  const [letter] = dead.list();
  t.match(letter, { id: rows[2]!.id, seq: 3, resultId: 'result-3', topic: 'edge/dev1/results/cam0' });
  t.match(letter?.reason, /^checksum mismatch: stored [0-9a-f]{8}, computed [0-9a-f]{8}/);

  // A person decides the row may go after all: it is pending again, at the end, same seq.
  const outcome = dead.requeue({ ids: [rows[2]!.id] });
  t.same(outcome.refused, []);
  t.equal(outcome.requeued[0]?.seq, 3);
  t.same(outbox.nextPending(10).map((r) => r.seq), [1, 2, 4, 5, 6, 3], 'requeued at the end of the queue, with a fresh checksum');
  t.equal(outbox.status().pendingRows, 6, 'the running outbox noticed the other connection and reloaded its counts');
  t.equal(outbox.status().deadRows, 0);
});

t.test('requeue by reason, and what it refuses', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  const rows = outbox.enqueueMany([1, 2, 3, 4].map((i) => entry(i)));
  outbox.deadLetter(rows[0]!.id, 'broker: payload format invalid (0x99)');
  outbox.deadLetter(rows[1]!.id, 'broker: not authorized (0x87)');
  outbox.deadLetter(rows[2]!.id, 'broker: not authorized (0x87)');
  const dead = DeadLetters.open(path);
  t.teardown(() => dead.close());
  const outcome = dead.requeue({ ids: 'all', reason: 'not authorized' });
  t.same(outcome.requeued.map((r) => r.seq), [2, 3]);
  t.same(dead.list().map((d) => d.seq), [1], 'the other reason stays dead');
  const refused = dead.requeue({ ids: [999_999, rows[0]!.id], reason: 'not authorized' });
  t.same(refused.requeued, []);
  t.match(refused.refused, [{ id: 999_999, reason: /no dead letter/ }, { id: rows[0]!.id, reason: /does not contain/ }]);
});

t.test('a version-1 outbox (no checksum column) is migrated in place; its rows are still sent', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  // Write the version-1 layout by hand, as the previous agent did.
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  old.exec(`
    CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, result_id TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL UNIQUE, topic TEXT NOT NULL,
      payload TEXT NOT NULL, created_at_ms INTEGER NOT NULL, bytes INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'delivered')),
      attempts INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL CHECK (kind IN ('result', 'drop')), delivered_at_ms INTEGER) STRICT;
    CREATE INDEX outbox_state_id ON outbox (state, id);
    CREATE TABLE dead_letter (id INTEGER PRIMARY KEY, result_id TEXT NOT NULL, seq INTEGER NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL, bytes INTEGER NOT NULL, attempts INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, dead_at_ms INTEGER NOT NULL) STRICT;
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
    INSERT INTO counters VALUES ('seq', 2), ('deliveredThrough', 0);
    INSERT INTO outbox (result_id, seq, topic, payload, created_at_ms, bytes, state, attempts, kind) VALUES
      ('old-1', 1, 'edge/a', '{"i":1,"seq":1}', 1, 15, 'pending', 0, 'result'),
      ('old-2', 2, 'edge/a', '{"i":2,"seq":2}', 2, 15, 'pending', 0, 'result');
  `);
  old.pragma('application_id = 1162102593');
  old.pragma('user_version = 1');
  old.close();

  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.equal(outbox.recovery, null, 'migrated, not moved aside');
  t.same(outbox.nextPending(10).map((r) => [r.resultId, r.streamSeq]), [['old-1', null], ['old-2', null]], 'old rows have no checksum and are sent unverified');
  const next = outbox.enqueue({ resultId: 'new-1', topic: 'edge/a', payload: { i: 3 } });
  t.equal(next.seq, 3);
  t.equal(outbox.nextPending(10).length, 3);
  outbox.close();
  const db = new Database(path, { readonly: true });
  t.equal(db.pragma('user_version', { simple: true }), 2);
  t.equal(db.prepare("SELECT checksum IS NOT NULL FROM outbox WHERE result_id = 'new-1'").pluck().get(), 1);
  db.close();
  t.equal(integrityCheck(path), 'ok');
});
