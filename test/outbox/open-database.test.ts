import t from 'tap';
import { existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openOutbox, entry, integrityCheck } from './helpers.js';

t.test('a healthy outbox opens with no recovery', async (t) => {
  const dir = t.testdir();
  openOutbox(dir).close();
  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.equal(outbox.recovery, null);
});

t.test('a file that is not a database is moved aside and a fresh outbox created', async (t) => {
  const dir = t.testdir({ 'outbox.sqlite': 'this is not SQLite, just text that happens to sit there\n'.repeat(100) });
  const outbox = openOutbox(dir, { now: () => Date.parse('2026-01-02T03:04:05.678Z') });
  t.teardown(() => outbox.close());
  t.not(outbox.recovery, null);
  t.match(outbox.recovery?.reason, /not a database/);
  t.equal(outbox.recovery?.movedTo, join(dir, 'outbox.sqlite.corrupt-2026-01-02T03-04-05-678Z'));
  t.match(readFileSync(outbox.recovery!.movedTo!, 'utf8'), /^this is not SQLite/, 'the old bytes are kept for inspection');
  // Nothing tells how far seq went (no mark beside it, nothing readable): it jumps 1,000 ahead
  // rather than restart at 1 over numbers a subscriber may have seen.
  t.equal(outbox.enqueue(entry(1)).seq, 1001, 'the new outbox works, seq 1,000 ahead');
  t.equal(integrityCheck(join(dir, 'outbox.sqlite')), 'ok');
});

t.test('a database failing integrity_check is moved aside', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const outbox = openOutbox(dir);
  for (let i = 0; i < 300; i += 1) outbox.enqueue(entry(i, { text: 'z'.repeat(300) }));
  outbox.close();
  // Scribble over the middle of the file: page headers and cells of the table and its indexes.
  const size = readFileSync(path).length;
  t.ok(size > 16 * 4096, `file has many pages (${size} bytes)`);
  const fd = openSync(path, 'r+');
  for (let page = 3; page * 4096 < size; page += 2) writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, page * 4096);
  closeSync(fd);
  t.not(integrityCheck(path), 'ok', 'the damage is real');

  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  t.not(reopened.recovery, null);
  t.ok(existsSync(reopened.recovery!.movedTo!));
  const { salvagedRows, unreadableRows, dropRecords } = reopened.recovery!;
  t.ok(salvagedRows > 0 && unreadableRows > 0, `readable rows salvaged (${salvagedRows}), unreadable ones counted (${unreadableRows})`);
  t.equal(salvagedRows + unreadableRows, 300, 'every old row is salvaged or counted unreadable');
  t.equal(reopened.status().pendingRows, salvagedRows + dropRecords, 'the salvaged rows and the drop record are pending');
  t.equal(reopened.enqueue(entry(1000)).seq, 300 + dropRecords + 1, 'seq goes on above the old store');
  t.equal(integrityCheck(path), 'ok');
});

t.test('a SQLite file of another program is moved aside, not reused', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const foreign = new Database(path);
  foreign.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (\'keep me\')');
  foreign.close();
  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.match(outbox.recovery?.reason, /not an edge-agent outbox/);
  const moved = new Database(outbox.recovery!.movedTo!, { readonly: true });
  t.same(moved.prepare('SELECT body FROM notes').all(), [{ body: 'keep me' }]);
  moved.close();
  t.same(readdirSync(dir).filter((f) => f.includes('corrupt')).length, 1);
});

t.test('an outbox written by a newer agent is refused, not moved aside', async (t) => {
  const dir = t.testdir();
  openOutbox(dir).close();
  const db = new Database(join(dir, 'outbox.sqlite'));
  db.pragma('user_version = 99');
  db.close();
  t.throws(() => openOutbox(dir), { code: 'EDGE_OUTBOX_OPEN_FAILED', message: /Expected outbox schema version 2 or older .* but found 99/ });
  t.same(readdirSync(dir).filter((f) => f.includes('corrupt')), []);
});

t.test('an unwritable data directory gives an error that names the fix', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'blocker'), 'a file where a directory should be');
  t.throws(() => openOutbox(join(dir, 'blocker', 'sub')), { code: 'EDGE_OUTBOX_OPEN_FAILED', message: /--data-dir/ });
});

t.test('the outbox connection keeps a small page cache, so memory does not grow with the outbox', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  const db = (outbox as unknown as { db: Database.Database }).db;
  t.equal(db.pragma('cache_size', { simple: true }), -2000, '2,000 KiB, not better-sqlite3\'s 16,000');
});
