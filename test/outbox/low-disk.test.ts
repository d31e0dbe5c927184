/**
 * A real file system short of space: a 16 MiB tmpfs with about 7 MiB free, well below the
 * default minFreeDiskBytes (64 MiB), and detection-sized results. The outbox must keep what fits
 * and drop only the oldest, with drop records, once the space above the headroom is used up.
 */
import t from 'tap';
import { join } from 'node:path';
import type { DropRecordPayload } from '../../agent/outbox/drop-oldest.js';
import type { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { SqliteOutbox as Outbox } from '../../agent/outbox/sqlite-outbox.js';
import { silentLogger } from '../../agent/log/logger.js';
import { detectionEntry, integrityCheck } from './helpers.js';
import { fillUntilFree, freeBytes, mountProblem, mountTmpfs } from './tmpfs.js';

const skip = mountProblem();

function pendingResultIndexes(outbox: SqliteOutbox): number[] {
  return outbox
    .nextPending(1_000_000)
    .filter((r) => r.kind === 'result')
    .map((r) => Number(r.resultId.slice(3)));
}

t.test('with ~7 MiB free and default limits, every result that fits is kept; drops are the oldest, recorded', { skip }, async (t) => {
  const dir = mountTmpfs(t, 16 * 1024 * 1024);
  fillUntilFree(dir, 7 * 1024 * 1024);
  t.comment(`free before open: ${freeBytes(dir)} bytes`);
  // Default options (minFreeDiskBytes 64 MiB, the 1 MiB reserve, the 2 MiB headroom): the disk is short from the start.
  const outbox = Outbox.open({ path: join(dir, 'outbox.sqlite'), logger: silentLogger() });
  t.teardown(() => outbox.close());

  for (let i = 0; i < 240; i += 1) outbox.enqueue(detectionEntry(i));
  const first = outbox.status();
  t.comment(`after 240 results (${first.pendingBytes} payload bytes): ${first.pendingRows} pending, drops ${JSON.stringify(first.droppedByReason)}, free ${freeBytes(dir)}`);
  t.equal(first.pendingRows, 240, 'all 240 results are held');
  t.same(first.droppedByReason, {}, 'nothing dropped while the disk has room above the headroom');

  // Keep going well past what the disk can hold: the outbox must keep storing, dropping the oldest.
  const total = 8_000;
  for (let i = 240; i < total; i += 1) outbox.enqueue(detectionEntry(i));
  const s = outbox.status();
  const held = pendingResultIndexes(outbox);
  const dropped = Object.values(s.droppedByReason).reduce((a, b) => a + b, 0);
  t.comment(`after ${total} results: ${held.length} results held, ${dropped} dropped (${JSON.stringify(s.droppedByReason)}), free ${freeBytes(dir)}`);
  t.ok(held.length >= 1_000, `thousands of results held on ~6 MiB of room: ${held.length}`);
  t.ok(dropped > 0, 'the disk really ran short');
  t.equal(held.length + dropped, total, 'every result is held or counted as dropped');
  t.same(held, Array.from({ length: held.length }, (_, k) => total - held.length + k), 'what is held is the newest, contiguous: the oldest went first');
  const records = outbox
    .nextPending(1_000_000)
    .filter((r) => r.kind === 'drop')
    .map((r) => JSON.parse(r.payload) as DropRecordPayload);
  t.ok(records.length > 0 && records.every((r) => r.reason === 'minFreeDisk'), 'drop records name the short disk');
  t.equal(records.reduce((a, r) => a + r.droppedRows, 0), dropped, 'the drop records still pending explain every dropped result');
  t.ok(freeBytes(dir) > 0, 'the file system never filled');
  outbox.close();
  t.equal(integrityCheck(join(dir, 'outbox.sqlite')), 'ok');
});
