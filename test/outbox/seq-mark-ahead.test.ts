import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSeqMark, seqMarkReserveRows } from '../../agent/outbox/seq-mark.js';
import { seqMarkAheadRows } from '../../agent/outbox/seq-mark-writer.js';
import { openOutbox } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/mark-ahead-loop.ts', import.meta.url));

t.test('the mark is written ahead in the background: no insert waits for it once a topic is known', async (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  t.teardown(() => outbox.close());
  const rows = 3 * seqMarkReserveRows;
  let last = 0;
  for (let i = 0; i < rows; i += 1) {
    last = outbox.enqueue({ resultId: `r${i}`, topic: 'edge/a', payload: { i } }).seq;
    // As the agent's group commits do, give the background write its turns between commits.
    if (i % 50 === 0) await outbox.settled();
  }
  await outbox.settled();
  const stats = outbox.seqMarkStats();
  t.equal(stats.insertWaits, 1, 'only the first result on the new topic waited for a mark');
  t.ok(stats.writesAhead >= 2, `marks written ahead: ${stats.writesAhead}`);
  t.equal(stats.failures, 0);
  const mark = readSeqMark(join(dir, 'outbox.sqlite')).state;
  t.ok(mark !== null && mark.seq.reserved >= last + seqMarkReserveRows - seqMarkAheadRows, `the mark on disk reserves ${mark?.seq.reserved} past the last seq ${last}`);
  t.ok(mark !== null && (mark.streams['edge/a']?.reserved ?? 0) >= last + seqMarkReserveRows - seqMarkAheadRows, 'and the topic is reserved as far');
});

t.test('a burst faster than the background write still never hands out an unreserved seq', (t) => {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  // No turns for the background write: every reservation past the first is made on the spot.
  let last = 0;
  for (let i = 0; i < 2.5 * seqMarkReserveRows; i += 1) last = outbox.enqueue({ resultId: `r${i}`, topic: 'edge/a', payload: { i } }).seq;
  const mark = readSeqMark(join(dir, 'outbox.sqlite')).state;
  t.ok(mark !== null && mark.seq.reserved >= last, `mark ${mark?.seq.reserved} covers seq ${last}`);
  t.ok(outbox.seqMarkStats().insertWaits >= 3, 'the inserts that reached the reservation waited for it');
  outbox.close();
  t.end();
});

/** Runs the child until it reported `marks` background marks, SIGKILLs it at once, returns the seqs it reported. */
function runUntilMarks(t: Test, path: string, marks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const seqs: number[] = [];
    let seen = 0;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'mark') seen += 1;
        else seqs.push(Number(line));
      }
      if (seen >= marks && child.signalCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`mark loop ended with code ${code}: ${stderr}`));
      else resolve(seqs);
    });
  });
}

t.test('a mark written ahead survives SIGKILL right after it, and a lost store never reuses a seq', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const reported = await runUntilMarks(t, path, 2);
  const highest = Math.max(...reported);
  t.ok(highest > seqMarkReserveRows, `the child handed out ${highest} seqs, past its first reservation`);
  const mark = readSeqMark(path).state;
  t.ok(mark !== null && mark.seq.reserved >= highest, `the mark on disk (${mark?.seq.reserved}) covers every reported seq (${highest})`);
  t.ok(mark !== null && mark.seq.reserved > 2 * seqMarkReserveRows - seqMarkAheadRows, 'and it is the second background reservation, not the one made at open');

  // The store is lost with the process (a card swapped, a file deleted): only the mark remains.
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  t.teardown(() => outbox.close());
  const next = outbox.enqueue({ resultId: 'after-loss', topic: 'edge/mark', payload: {} });
  t.ok(next.seq > highest, `the first seq after the loss (${next.seq}) is above every seq handed out before (${highest})`);
  t.ok(next.streamSeq !== null && next.streamSeq > highest, 'and so is the stream seq');
});

t.test('a restart after SIGKILL goes on above every seq handed out', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const first = await runUntilMarks(t, path, 1);
  const second = await runUntilMarks(t, path, 1);
  const all = [...first, ...second];
  t.same(all, [...all].sort((a, b) => a - b), 'seqs strictly increase across the restart');
  t.equal(new Set(all).size, all.length, 'no seq was handed out twice');
  const outbox = openOutbox(dir, { synchronous: 'normal' });
  t.teardown(() => outbox.close());
  t.ok(outbox.enqueue({ resultId: 'after', topic: 'edge/mark', payload: {} }).seq > Math.max(...all));
});
