/**
 * A real full disk: a small tmpfs mounted for the test (needs root; skipped with the reason
 * otherwise), filled by a ballast file and by the outbox itself.
 */
import t from 'tap';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError, hasCode } from '../../agent/errors/agent-error.js';
import type { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { entry, integrityCheck, openOutbox } from './helpers.js';
import { mountProblem, mountTmpfs } from './tmpfs.js';

const skip = mountProblem();
const filler = 'f'.repeat(400);

/** Enqueues up to `count` results, stopping after `maxRefusals`; returns what was stored and the refusal codes. */
function fill(outbox: SqliteOutbox, from: number, count: number, maxRefusals = Number.POSITIVE_INFINITY): { stored: number; refused: number; refusedCodes: Set<string> } {
  let stored = 0;
  let refused = 0;
  const refusedCodes = new Set<string>();
  for (let i = from; i < from + count && refused < maxRefusals; i += 1) {
    try {
      outbox.enqueue(entry(i, { filler }));
      stored += 1;
    } catch (err) {
      refused += 1;
      refusedCodes.add(err instanceof AgentError ? err.code : `not an AgentError: ${String(err)}`);
    }
  }
  return { stored, refused, refusedCodes };
}

t.test('without a reserve: a full disk refuses results with EDGE_OUTBOX_DISK_FULL, and recovers when space returns', { skip }, async (t) => {
  const dir = mountTmpfs(t, 2 * 1024 * 1024);
  const ballast = join(dir, 'ballast');
  writeFileSync(ballast, Buffer.alloc(1024 * 1024));
  const outbox = openOutbox(dir, { minFreeDiskBytes: 0, diskReserveBytes: 0, diskCheckIntervalMs: 0 });
  t.teardown(() => outbox.close());

  const full = fill(outbox, 0, 3000, 50);
  t.ok(full.stored > 100 && full.refused === 50, `stored ${full.stored}, then refused ${full.refused} on the full disk`);
  t.same([...full.refusedCodes], ['EDGE_OUTBOX_DISK_FULL'], 'every refusal is the countable AgentError');
  try {
    outbox.enqueue(entry(99_999));
    t.fail('expected the disk to be full');
  } catch (err) {
    t.ok(hasCode(err, 'EDGE_OUTBOX_DISK_FULL'));
    t.match((err as Error).message, /free space on that file system/);
  }
  t.equal(outbox.status().pendingRows, full.stored, 'every stored row is still there');

  rmSync(ballast);
  const after = fill(outbox, 10_000, 500);
  t.equal(after.stored, 500, 'space came back: every result is stored again');
  t.equal(outbox.status().pendingRows, full.stored + 500);
  outbox.close();
  t.equal(integrityCheck(join(dir, 'outbox.sqlite')), 'ok');
});

t.test('with the reserve: on a full disk the oldest rows are dropped and new results keep being stored', { skip }, async (t) => {
  const dir = mountTmpfs(t, 2 * 1024 * 1024);
  const ballast = join(dir, 'ballast');
  writeFileSync(ballast, Buffer.alloc(1024 * 1024));
  const outbox = openOutbox(dir, { minFreeDiskBytes: 0, diskReserveBytes: 256 * 1024, diskCheckIntervalMs: 0 });
  t.teardown(() => outbox.close());
  t.ok(existsSync(join(dir, 'outbox.sqlite-reserve')), 'the reserve is claimed at open');

  const run = fill(outbox, 0, 4000);
  t.equal(run.stored, 4000, `no result refused (${[...run.refusedCodes].join(', ')})`);
  const s = outbox.status();
  t.ok((s.droppedByReason['diskFull'] ?? 0) > 0, `oldest rows dropped for diskFull: ${JSON.stringify(s.droppedByReason)}`);
  const pendingResults = outbox.nextPending(10_000).filter((r) => r.kind === 'result').length;
  t.equal(pendingResults + (s.droppedByReason['diskFull'] ?? 0), 4000, 'every result is stored or counted as dropped');
  const records = outbox.nextPending(10_000).filter((r) => r.kind === 'drop').map((r) => JSON.parse(r.payload) as { reason: string });
  t.ok(records.length > 0 && records.every((r) => r.reason === 'diskFull'), 'drop records name the full disk');

  rmSync(ballast);
  const after = fill(outbox, 10_000, 300);
  t.equal(after.stored, 300);
  t.ok(existsSync(join(dir, 'outbox.sqlite-reserve')), 'the reserve is claimed again once space is back');
  outbox.close();
  t.equal(integrityCheck(join(dir, 'outbox.sqlite')), 'ok');
});
