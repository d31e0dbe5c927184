import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { integrityCheck, openOutbox } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/insert-loop.ts', import.meta.url));

/** Runs the insert loop until it has reported `reports` lines, then SIGKILLs it mid-write. */
function insertUntilKilled(t: Test, path: string, batch: number, reports: number, synchronous: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path, String(batch), synchronous], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const seqs: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? ''; // a partial line was not fully reported
      for (const line of lines) seqs.push(Number(line));
      if (seqs.length >= reports && child.signalCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`insert loop ended with code ${code}: ${stderr}`));
      else resolve(seqs);
    });
  });
}

t.test('SIGKILL mid-write loses no row whose enqueue returned, across several kills', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'outbox.sqlite');
  const reported: number[] = [];
  // Single-row transactions, then batches, then single rows at synchronous=NORMAL, on one file:
  // a process crash loses nothing at either setting (only power loss tells them apart).
  for (const [batch, reports, synchronous] of [[1, 1500, 'full'], [25, 3000, 'full'], [1, 2500, 'normal']] as const) {
    const seqs = await insertUntilKilled(t, path, batch, reports, synchronous);
    t.ok(seqs.length >= reports, `child reported ${seqs.length} rows before the kill`);
    reported.push(...seqs);
  }
  t.equal(integrityCheck(path), 'ok', 'the file is readable and consistent after the kills');

  const sorted = [...reported].sort((a, b) => a - b);
  t.same(reported, sorted, 'seqs strictly increase across restarts');
  t.equal(new Set(reported).size, reported.length, 'no seq was handed out twice');

  const db = new Database(path, { readonly: true });
  const stored = new Set((db.prepare('SELECT seq FROM outbox').pluck().all() as number[]));
  db.close();
  const missing = reported.filter((s) => !stored.has(s));
  t.same(missing, [], `all ${reported.length} reported rows are present`);

  const outbox = openOutbox(dir);
  t.teardown(() => outbox.close());
  t.equal(outbox.recovery, null, 'the killed database is not treated as corrupt');
  t.ok(outbox.status().lastSeq >= (sorted.at(-1) ?? 0));
});
