/**
 * A disk filled to the last byte by someone else while the outbox holds only a small backlog
 * (the fault suite's disk-full scenario, in one process): the outbox must keep as many results as
 * its own file can hold, not drop every older row on each insert. Before the fix each insert on
 * the full disk asked for eight spare pages inside the file and, never finding them, dropped the
 * whole backlog: one result kept at a time, and one drop record and warning per insert.
 */
import t from 'tap';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { entry, integrityCheck, openOutbox } from './helpers.js';
import { mountProblem, mountTmpfs } from './tmpfs.js';

const skip = mountProblem();
const filler = 'f'.repeat(900);

/** Writes into `file` until the file system refuses, down to single bytes. */
function fillToLastByte(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [64 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC at this size: go on with a smaller one.
      }
    }
  } finally {
    closeSync(fd);
  }
}

function pendingResults(outbox: SqliteOutbox): number {
  return outbox.nextPending(100_000).filter((r) => r.kind === 'result').length;
}

/** Two ways into the full disk: the free space checked at every insert (the outbox sees it short), or rarely (SQLite hits SQLITE_FULL first, as in the agent). */
const variants = [
  { name: 'free space checked at every insert', diskCheckIntervalMs: 0 },
  { name: 'SQLITE_FULL before the next free-space check', diskCheckIntervalMs: 3_600_000 },
];

for (const v of variants) {
  t.test(`on a disk filled to the last byte, the outbox keeps what its file holds (${v.name})`, { skip }, async (t) => {
    const dir = mountTmpfs(t, 4 * 1024 * 1024);
    let dropEvents = 0;
    const outbox = openOutbox(dir, { minFreeDiskBytes: 1024 * 1024, diskReserveBytes: 1024 * 1024, diskCheckIntervalMs: v.diskCheckIntervalMs, onDropped: () => (dropEvents += 1) });
    t.teardown(() => outbox.close());
    for (let i = 0; i < 40; i++) outbox.enqueue(entry(i, { filler }));
    fillToLastByte(join(dir, 'ballast'));

    let refused = 0;
    let fewest = Number.POSITIVE_INFINITY;
    for (let i = 100; i < 400; i++) {
      try {
        outbox.enqueue(entry(i, { filler }));
      } catch {
        refused += 1;
      }
      if (i >= 150) fewest = Math.min(fewest, pendingResults(outbox));
    }
    const s = outbox.status();
    // minFreeDisk when the outbox saw the disk short first; diskFull after SQLITE_FULL.
    const dropped = (s.droppedByReason['diskFull'] ?? 0) + (s.droppedByReason['minFreeDisk'] ?? 0);
    t.equal(refused, 0, 'no result refused: the oldest make room');
    t.ok(dropped > 0, `the full disk dropped old rows (${JSON.stringify(s.droppedByReason)})`);
    t.ok(fewest >= 15, `from 50 inserts on, never fewer than 15 pending results (fewest ${fewest}, ${pendingResults(outbox)} at the end)`);
    t.equal(pendingResults(outbox) + dropped, 340, 'every result is pending or counted as dropped');
    // Each drop frees about a page (dropFraction of a small backlog); before the fix every insert dropped.
    t.ok(dropEvents <= 150, `at most one drop per two inserts: ${dropEvents} drops for 300 inserts`);
    outbox.close();
    t.equal(integrityCheck(join(dir, 'outbox.sqlite')), 'ok');
  });
}
