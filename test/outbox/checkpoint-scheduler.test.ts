import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkpointEveryFrames } from '../../agent/outbox/checkpoint-scheduler.js';
import { OutboxThread } from '../../agent/outbox/outbox-thread.js';
import { detectionEntry, integrityCheck, openOutbox } from './helpers.js';

t.test('checkpoints run on the worker and keep the WAL bounded', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  let stored = 0;
  // Groups of two results, as two models at 20 frames/s make every 50 ms; the worker gets its
  // turns between groups as it does in the agent.
  for (let group = 0; group < 3_000; group += 1) {
    stored += outbox.enqueueMany([detectionEntry(2 * group), detectionEntry(2 * group + 1)]).length;
    await outbox.settled();
  }
  await outbox.settled();
  const stats = outbox.checkpointStats();
  t.ok(stats.completed >= 3, `checkpoints completed on the worker: ${stats.completed}`);
  t.equal(stats.failures, 0, 'none failed');
  t.ok(stats.maxWalFrames < 3 * checkpointEveryFrames, `the WAL started again after checkpoints: at most ${stats.maxWalFrames} pages in it`);
  const pageSize = 4096;
  const walBytes = statSync(`${path}-wal`).size;
  // Without checkpoints the WAL would hold every page written: at least one per group.
  t.ok(walBytes < 3 * checkpointEveryFrames * pageSize, `WAL ${walBytes} bytes, below 3 checkpoint intervals`);
  outbox.close();
  t.equal(integrityCheck(path), 'ok');
  const db = new Database(path, { readonly: true });
  t.equal(db.prepare('SELECT count(*) FROM outbox').pluck().get(), stored, 'every row is in the database');
  db.close();
});

t.test('a short-lived outbox never starts the worker', (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir);
  for (let i = 0; i < 20; i += 1) outbox.enqueue(detectionEntry(i));
  t.equal(outbox.checkpointStats().requested, 0);
  outbox.close();
  t.end();
});

t.test('the thread started at open (as the agent does) is the one later jobs use, and close ends it', async (t) => {
  const dir = t.testdir();
  const thread = new OutboxThread(join(dir, 'thread.sqlite'), 'normal');
  t.equal(thread.running, false, 'not started by construction');
  thread.start();
  thread.start();
  t.equal(thread.running, true);
  const file = join(dir, 'mark');
  await thread.writeSynced(file, 'seq 1\n');
  t.equal(readFileSync(file, 'utf8'), 'seq 1\n', 'a job runs on the started thread');
  thread.close();
  thread.start();
  await t.rejects(thread.writeSynced(file, 'seq 2\n'), /closed/, 'nothing starts or runs after close');

  const outbox = openOutbox(dir);
  outbox.startBackgroundThread();
  outbox.enqueue(detectionEntry(1));
  outbox.close();
});

t.test('backgroundThread: false keeps checkpoints and mark writes on the calling thread', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { synchronous: 'normal', backgroundThread: false });
  for (let group = 0; group < 1_500; group += 1) {
    outbox.enqueueMany([detectionEntry(2 * group), detectionEntry(2 * group + 1)]);
    await outbox.settled();
  }
  t.equal(outbox.checkpointStats().requested, 0, 'no checkpoint was asked of a thread');
  const marks = outbox.seqMarkStats();
  t.equal(marks.writesAhead, 0, 'no mark was written ahead');
  t.ok(marks.insertWaits >= 3, `every reservation was written on the spot (${marks.insertWaits})`);
  // SQLite's own auto-checkpoint (1,000 pages) kept the WAL small.
  t.ok(statSync(join(dir, 'outbox.sqlite-wal')).size < 3 * checkpointEveryFrames * 4096);
  outbox.close();
});
