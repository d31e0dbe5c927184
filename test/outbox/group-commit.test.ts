import t from 'tap';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { GroupCommit } from '../../agent/outbox/group-commit.js';
import type { Outbox, OutboxEntry, OutboxRow } from '../../agent/outbox/outbox.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { WalSync } from '../../agent/outbox/wal-sync.js';
import { entry, openOutbox } from './helpers.js';

/** The real outbox, with its enqueueMany calls (transactions) counted. */
function counted(outbox: SqliteOutbox): { outbox: Pick<Outbox, 'enqueue' | 'enqueueMany'>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    outbox: {
      enqueue: (e: OutboxEntry) => {
        calls.push(1);
        return outbox.enqueue(e);
      },
      enqueueMany: (es: readonly OutboxEntry[]) => {
        calls.push(es.length);
        return outbox.enqueueMany(es);
      },
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('results kept within one window are stored in one transaction, in order, after add returned', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  const { outbox: wrapped, calls } = counted(outbox);
  const committed: OutboxRow[] = [];
  const commit = new GroupCommit(wrapped, { windowMs: 100, maxRows: 1000, logger: silentLogger(), onCommitted: (rows) => committed.push(...rows) });
  for (let i = 1; i <= 25; i++) commit.add(entry(i), undefined);
  t.same(calls, [], 'nothing is written while add runs: the frame does not wait for the disk');
  t.equal(commit.stats().rowsWaiting, 25);
  await until(() => commit.stats().rowsWaiting === 0, 'the window to close');
  t.same(calls, [25], 'one enqueueMany call with all 25 results');
  t.equal(commit.stats().transactions, 1);
  t.equal(commit.stats().largestGroup, 25);
  const pending = outbox.nextPending(100);
  t.same(pending.map((r) => r.resultId), Array.from({ length: 25 }, (_, i) => `result-${i + 1}`), 'stored in the order they were kept');
  t.same(pending.map((r) => r.seq), Array.from({ length: 25 }, (_, i) => i + 1));
  t.same(committed.map((r) => r.id), pending.map((r) => r.id), 'onCommitted saw the stored rows (the drainer wake-up)');
  commit.close();
});

t.test('a group is written as soon as it reaches maxRows, so memory and a crash stay bounded', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  const { outbox: wrapped, calls } = counted(outbox);
  const commit = new GroupCommit(wrapped, { windowMs: 60_000, maxRows: 10, logger: silentLogger() });
  for (let i = 1; i <= 25; i++) commit.add(entry(i), undefined);
  t.same(calls, [10, 10], 'two full groups written during add');
  t.equal(commit.stats().rowsWaiting, 5);
  t.equal(commit.flush(), 5);
  t.same(calls, [10, 10, 5]);
  t.equal(outbox.status().pendingRows, 25);
  commit.close();
});

t.test('close flushes what waits, syncs the WAL, and nothing is lost on a clean stop', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  const walSync = new WalSync({ databasePath: path, logger: silentLogger() });
  const commit = new GroupCommit(outbox, { windowMs: 60_000, maxRows: 1000, logger: silentLogger(), walSync });
  for (let i = 1; i <= 7; i++) commit.add(entry(i), undefined);
  t.equal(outbox.status().pendingRows, 0, 'still waiting for its window');
  commit.close();
  t.ok(walSync.stats().syncs >= 1, 'the WAL was synced on close');
  t.equal(walSync.stats().failures, 0);
  outbox.close();
  const reopened = SqliteOutbox.open({ path, logger: silentLogger(), diskReserveBytes: 0 });
  t.teardown(() => reopened.close());
  t.same(reopened.nextPending(100).map((r) => r.resultId), Array.from({ length: 7 }, (_, i) => `result-${i + 1}`));
  // After close each result is written at once, as without group commit.
  const late = new GroupCommit(reopened, { windowMs: 50, maxRows: 10, logger: silentLogger() });
  late.close();
  late.add(entry(8), undefined);
  t.equal(reopened.status().pendingRows, 8);
});

t.test('the WAL sync runs off the event loop after each commit and reports when idle', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  t.teardown(() => outbox.close());
  const walSync = new WalSync({ databasePath: path, logger: silentLogger() });
  const commit = new GroupCommit(outbox, { windowMs: 10, maxRows: 1000, logger: silentLogger(), walSync });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5; i++) commit.add(entry(round * 10 + i), undefined);
    await until(() => commit.stats().rowsWaiting === 0, 'a group to be written');
    await walSync.idle();
  }
  t.ok(walSync.stats().syncs >= 3, `one sync per group at least (${walSync.stats().syncs})`);
  t.equal(walSync.stats().failures, 0);
  commit.close();
});

t.test('a failing outbox never throws into the frame loop: the results are reported to onFailed with their tags', async (t) => {
  const outbox = openOutbox(t.testdir());
  const failed: { tags: string[]; code: unknown }[] = [];
  const commit = new GroupCommit<string>(outbox, { windowMs: 20, maxRows: 3, logger: silentLogger(), onFailed: (tags, err) => failed.push({ tags: [...tags], code: (err as { code?: unknown }).code }) });
  outbox.close(); // every write now fails for real
  t.doesNotThrow(() => {
    for (let i = 1; i <= 5; i++) commit.add(entry(i), `cam${i}`);
  }, 'add does not throw, even when a full group is written on the spot');
  await until(() => commit.stats().rowsWaiting === 0, 'the last group to be tried');
  t.same(failed.map((f) => f.tags), [['cam1', 'cam2', 'cam3'], ['cam4', 'cam5']]);
  t.same(failed.map((f) => f.code), ['EDGE_OUTBOX_CLOSED', 'EDGE_OUTBOX_CLOSED']);
  t.equal(commit.stats().rowsFailed, 5);
  t.equal(commit.stats().rowsStored, 0);
  commit.close();
});

t.test('without a window a write failure is thrown to the caller, as Outbox.enqueue does', async (t) => {
  const outbox = openOutbox(t.testdir());
  const commit = new GroupCommit(outbox, { windowMs: 0, maxRows: 10, logger: silentLogger() });
  commit.add(entry(1), undefined);
  t.equal(outbox.status().pendingRows, 1, 'written at once');
  outbox.close();
  t.throws(() => commit.add(entry(2), undefined), { code: 'EDGE_OUTBOX_CLOSED' });
});

t.test('one bad result in a group costs only itself', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  outbox.enqueue(entry(2));
  const failed: string[] = [];
  const commit = new GroupCommit<string>(outbox, { windowMs: 60_000, maxRows: 100, logger: silentLogger(), onFailed: (tags) => failed.push(...tags) });
  for (let i = 1; i <= 4; i++) commit.add(entry(i), `result-${i}`);
  t.equal(commit.flush(), 3);
  t.same(failed, ['result-2'], 'the duplicate alone is reported');
  t.same(outbox.nextPending(10).map((r) => r.resultId), ['result-2', 'result-1', 'result-3', 'result-4']);
  commit.close();
});

t.test('an observer that throws loses no row and throws nowhere', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  const commit = new GroupCommit(outbox, { windowMs: 5, maxRows: 100, logger: silentLogger(), onCommitted: () => { throw new Error('observer bug'); } });
  commit.add(entry(1), undefined);
  commit.add(entry(2), undefined);
  await until(() => commit.stats().rowsWaiting === 0, 'the group');
  t.equal(commit.stats().rowsStored, 2);
  t.equal(commit.stats().rowsFailed, 0);
  t.equal(outbox.status().pendingRows, 2);
  commit.close();
});

t.test('nonsense settings are refused', async (t) => {
  const outbox = openOutbox(t.testdir());
  t.teardown(() => outbox.close());
  t.throws(() => new GroupCommit(outbox, { windowMs: -1, maxRows: 1, logger: silentLogger() }), { code: 'EDGE_OUTBOX_INVALID_OPTION', message: /windowMs/ });
  t.throws(() => new GroupCommit(outbox, { windowMs: 10, maxRows: 0, logger: silentLogger() }), { code: 'EDGE_OUTBOX_INVALID_OPTION', message: /maxRows/ });
});
