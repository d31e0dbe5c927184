/**
 * Recovery from a damaged store, on real SQLite files: a truncated file, a garbage header, a
 * 0-byte file, a missing file, a flipped payload byte and a damaged hot WAL. In each case the
 * outbox opens, readable rows are salvaged, seq never goes back, and every old result is either
 * still pending or covered by a drop record of its stream.
 */
import t, { type Test } from 'tap';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { OutboxRow } from '../../agent/outbox/outbox.js';
import type { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { readSeqMark } from '../../agent/outbox/seq-mark.js';
import { checkWal } from '../../agent/outbox/wal-check.js';
import { captureLog } from '../publish/helpers/captured-log.js';
import { entry, integrityCheck, openOutbox } from './helpers.js';

const TOPICS = ['edge/dev1/results/cam0', 'edge/dev1/results/cam1'];

/** A result on one of two topics, large enough to spread over many pages. */
function twoTopicEntry(i: number): ReturnType<typeof entry> {
  return { ...entry(i, { text: 'r'.repeat(200) }), topic: TOPICS[i % 2] as string };
}

interface Written {
  seq: number;
  streamSeq: number;
  topic: string;
  resultId: string;
}

/** Fills an outbox in `dir` with `n` results on two topics; returns what was stored. Leaves it open. */
function fill(dir: string, n: number, from = 0): { outbox: SqliteOutbox; written: Written[] } {
  const outbox = openOutbox(dir);
  const written: Written[] = [];
  for (let i = from; i < from + n; i += 1) {
    const row = outbox.enqueue(twoTopicEntry(i));
    written.push({ seq: row.seq, streamSeq: row.streamSeq as number, topic: row.topic, resultId: row.resultId });
  }
  return { outbox, written };
}

/** Every pending row, oldest first. */
function allPending(outbox: SqliteOutbox): OutboxRow[] {
  const rows: OutboxRow[] = [];
  for (let after = 0; ; ) {
    const page = outbox.nextPending(500, after);
    if (page.length === 0) return rows;
    rows.push(...page);
    after = (page[page.length - 1] as OutboxRow).id;
  }
}

interface DropView {
  stream: string;
  reason: string;
  firstSeq: number;
  lastSeq: number;
  firstStreamSeq: number;
  lastStreamSeq: number;
  droppedRows: number;
}

/** What a subscriber would learn from the pending rows: results by resultId, and drop records. */
function subscriberView(outbox: SqliteOutbox): { results: Map<string, OutboxRow>; drops: DropView[]; rows: OutboxRow[] } {
  const rows = allPending(outbox);
  const results = new Map<string, OutboxRow>();
  const drops: DropView[] = [];
  for (const row of rows) {
    if (row.kind === 'result') results.set(row.resultId, row);
    else drops.push(JSON.parse(row.payload) as DropView);
  }
  return { results, drops, rows };
}

/** Old results neither still pending (same seq and stream seq) nor inside a drop record of their stream. */
function untold(written: readonly Written[], view: ReturnType<typeof subscriberView>): Written[] {
  return written.filter((w) => {
    const kept = view.results.get(w.resultId);
    if (kept !== undefined && kept.seq === w.seq && kept.streamSeq === w.streamSeq) return false;
    return !view.drops.some((d) => d.stream === w.topic && w.streamSeq >= d.firstStreamSeq && w.streamSeq <= d.lastStreamSeq && w.seq >= d.firstSeq && w.seq <= d.lastSeq);
  });
}

/** New results never reuse a number: seq above every old seq, stream seq above every old one of its topic. */
function checkContinues(t: Test, outbox: SqliteOutbox, written: readonly Written[]): void {
  const oldMax = Math.max(...written.map((w) => w.seq));
  const fresh = outbox.enqueue({ ...twoTopicEntry(1_000_000), resultId: 'fresh-after-recovery' });
  t.ok(fresh.seq > oldMax, `seq goes on above the old maximum (${fresh.seq} > ${oldMax})`);
  const oldStreamMax = Math.max(...written.filter((w) => w.topic === fresh.topic).map((w) => w.streamSeq));
  t.ok((fresh.streamSeq as number) > oldStreamMax, `stream seq of ${fresh.topic} goes on above its old maximum (${fresh.streamSeq} > ${oldStreamMax})`);
  const seqs = allPending(outbox).map((r) => r.seq);
  t.equal(new Set(seqs).size, seqs.length, 'no seq is held twice');
}

/** Folds the WAL into the main file and leaves rollback mode, so damage to the main file hits every row. */
function checkpointed(path: string): void {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
}

t.test('a truncated file: readable rows salvaged, the lost ones covered per stream, seq goes on', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox, written } = fill(dir, 1_200);
  outbox.close();
  checkpointed(path);
  truncateSync(path, Math.floor(statSync(path).size * 0.6));

  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  const r = reopened.recovery;
  t.ok(r?.recreated, 'recovered into a new store');
  t.ok(existsSync(r!.movedTo!), 'the damaged file is kept aside');
  t.ok(r!.salvagedRows > 0, `${r!.salvagedRows} of 1,200 rows salvaged`);
  t.ok(r!.unreadableRows > 0, `${r!.unreadableRows} rows unreadable`);
  t.equal(r!.dropRecords, 2, 'one storeLost drop record per stream');
  const view = subscriberView(reopened);
  t.equal(view.results.size, r!.salvagedRows, 'every salvaged row is pending, with its seq, stream seq and checksum');
  t.same(view.drops.map((d) => d.reason), ['storeLost', 'storeLost']);
  t.same(untold(written, view), [], 'every old result is pending or covered by its stream\'s drop record');
  t.equal(reopened.status().droppedByReason.storeLost, r!.lostRows, 'lost rows counted under storeLost');
  checkContinues(t, reopened, written);
  t.equal(integrityCheck(path), 'ok');
});

t.test('a garbage header: the header is rebuilt on a copy and every row salvaged, nothing lost', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox, written } = fill(dir, 500);
  outbox.close();
  checkpointed(path);
  const bytes = readFileSync(path);
  for (let i = 0; i < 100; i += 1) bytes[i] = (i * 37 + 11) & 0xff;
  writeFileSync(path, bytes);

  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  const r = reopened.recovery!;
  t.match(r.reason, /not a database.*rebuilt header/);
  t.equal(r.salvagedRows, 500, 'all 500 rows salvaged');
  t.equal(r.lostRows, 0);
  t.equal(r.dropRecords, 0, 'no drop record: nothing was lost');
  const view = subscriberView(reopened);
  t.same(untold(written, view), []);
  t.same(readdirSync(dir).filter((f) => f.endsWith('.salvage-copy')), [], 'the repaired copy is removed');
  t.same(readFileSync(r.movedTo!).subarray(0, 100), bytes.subarray(0, 100), 'the quarantined file is kept as found');
  checkContinues(t, reopened, written);
});

t.test('a 0-byte file is never taken as a new outbox: kept aside, counted, seq goes on from the mark, drop records tell', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox, written } = fill(dir, 300);
  outbox.close();
  for (const side of ['-wal', '-shm']) rmSync(path + side, { force: true });
  writeFileSync(path, '');
  const log = captureLog();
  const reopened = openOutbox(dir, { logger: log.logger });
  t.teardown(() => reopened.close());
  const r = reopened.recovery!;
  t.match(r.reason, /empty \(0 bytes\)/);
  t.ok(r.recreated, 'counted as a recreated outbox');
  t.equal(statSync(r.movedTo!).size, 0, 'the old file is kept aside');
  t.equal(r.lostRows, 300, 'the clean close left an exact mark: 300 known lost');
  t.ok(log.lines.some((l) => l.event === 'outbox_recovered' && l.level === 50), 'logged at error');
  const view = subscriberView(reopened);
  t.same(view.drops.map((d) => [d.stream, d.firstStreamSeq, d.lastStreamSeq, d.droppedRows]), [
    [TOPICS[0], 1, 150, 150],
    [TOPICS[1], 1, 150, 150],
  ]);
  t.same(untold(written, view), []);
  checkContinues(t, reopened, written);
});

t.test('a missing file with a mark beside it is a loss, not a fresh start', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox, written } = fill(dir, 40);
  outbox.close();
  for (const side of ['', '-wal', '-shm']) rmSync(path + side, { force: true });
  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  t.match(reopened.recovery?.reason, /missing/);
  t.same(untold(written, subscriberView(reopened)), []);
  checkContinues(t, reopened, written);
});

t.test('a flipped payload byte: dead-lettered by its checksum, no recovery, seq goes on', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox, written } = fill(dir, 50);
  outbox.close();
  checkpointed(path);
  const bytes = readFileSync(path);
  const at = bytes.indexOf('"i":25,') + 5;
  bytes[at] = '7'.charCodeAt(0);
  writeFileSync(path, bytes);
  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  t.equal(reopened.recovery, null, 'SQLite sees nothing wrong; the checksum does');
  const pending = allPending(reopened);
  t.equal(pending.filter((r) => r.kind === 'result').length, 49, 'the changed row is not handed out');
  t.match(JSON.parse(pending.find((r) => r.kind === 'drop')?.payload ?? '{}'), { reason: 'corrupt', droppedRows: 1 }, 'a drop record tells the subscriber');
  t.equal(reopened.status().corruptRows, 1);
  checkContinues(t, reopened, written);
});

t.test('a damaged hot WAL: commits after the damage are covered by drop records and their seqs never reused', async (t) => {
  const live = t.testdir();
  const copy = join(live, 'copy');
  const path = join(live, 'outbox.sqlite');
  // The writer stays open, so its WAL is hot (not checkpointed) when the files are copied.
  // 150 rows stay under SQLite's 1,000-page auto-checkpoint, so every frame is of one generation.
  const { outbox, written } = fill(live, 150);
  t.teardown(() => outbox.close());
  const walBytes = statSync(`${path}-wal`).size;
  t.ok(walBytes > 50_000, `the WAL holds the rows (${walBytes} bytes)`);
  const copyPath = join(copy, 'outbox.sqlite');
  mkdirSync(copy);
  for (const suffix of ['', '-wal', '.seq']) copyFileSync(path + suffix, copyPath + suffix);
  // 64 bytes of garbage in the middle of the WAL, as measured on the agent (issue 12).
  const wal = readFileSync(`${copyPath}-wal`);
  const mid = Math.floor(wal.length / 2);
  for (let i = 0; i < 64; i += 1) wal[mid + i] = (i * 53 + 7) & 0xff;
  writeFileSync(`${copyPath}-wal`, wal);
  const scan = checkWal(copyPath)!;
  t.ok(scan.lostCommits > 0, `the scan finds commits SQLite will drop (${scan.lostCommits} of them, ${scan.lostFrames} frames)`);

  const reopened = openOutbox(copy);
  t.teardown(() => reopened.close());
  const r = reopened.recovery!;
  t.match(r.reason, /fails its checksum/);
  t.equal(r.recreated, false, 'the store itself is kept');
  t.equal(r.movedTo, null);
  t.ok(readdirSync(copy).some((f) => f.startsWith('outbox.sqlite-wal.damaged-')), 'the damaged WAL is kept for inspection');
  const view = subscriberView(reopened);
  const lost = written.filter((w) => !view.results.has(w.resultId));
  t.ok(lost.length > 0, `SQLite really dropped committed rows (${lost.length} of 150)`);
  t.equal(r.dropRecords, 2, 'one storeLost drop record per stream');
  t.same(untold(written, view), [], 'every dropped commit is covered by a drop record');
  checkContinues(t, reopened, written);
  t.equal(integrityCheck(copyPath), 'ok');
});

t.test('the mark: reserved ahead while writing (one write per 1,000 rows), exact after close; a healthy reopen recovers nothing', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox } = fill(dir, 10);
  const open = readSeqMark(path).state!;
  t.equal(open.seq.reserved, 1_000, 'reserved 1,000 ahead of the last seq at open');
  t.equal(open.streams[TOPICS[0] as string]?.reserved, 1_001, 'each stream reserves its own range');
  for (let i = 10; i < 1_010; i += 1) outbox.enqueue(twoTopicEntry(i));
  t.equal(readSeqMark(path).state!.seq.reserved, 2_001, 'passing the reservation moves it 1,000 on');
  outbox.close();
  const closed = readSeqMark(path).state!;
  t.same(closed.seq, { committed: 1_010, reserved: 1_010 }, 'exact after a clean close');
  t.same(closed.streams[TOPICS[1] as string], { committed: 505, reserved: 505 });
  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  t.equal(reopened.recovery, null);
  t.equal(reopened.enqueue(twoTopicEntry(5_000)).seq, 1_011, 'no gap after a healthy restart');
});

t.test('a store with fewer rows than the mark proves (rows gone, file intact) is caught by the mark', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const { outbox, written } = fill(dir, 20);
  outbox.close();
  // An older copy of the store comes back (a restored backup, a WAL deleted by hand).
  const db = new Database(path);
  db.exec("DELETE FROM outbox WHERE seq > 12; UPDATE counters SET value = 12 WHERE name = 'seq'");
  db.exec("UPDATE counters SET value = 6 WHERE name LIKE 'streamSeq:%'");
  db.close();
  const reopened = openOutbox(dir);
  t.teardown(() => reopened.close());
  t.match(reopened.recovery?.reason, /seq mark shows seq 20 was committed/);
  t.equal(reopened.recovery?.lostRows, 8);
  t.same(untold(written, subscriberView(reopened)), []);
  checkContinues(t, reopened, written);
});
