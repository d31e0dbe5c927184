import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { entry, openOutbox } from './helpers.js';

const main = join(repoRoot, 'agent', 'cli', 'main.ts');

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGE_AGENT_DATA_DIR: '', ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A data dir whose outbox has results seq 4, 6 and 8 pending, a drop record (seq 7) for results
 * 1-3 dropped by maxRows, and result 5 dead-lettered.
 */
function seededDataDir(t: Test): string {
  const dir = t.testdir();
  const outbox = openOutbox(dir, { maxRows: 5, dropFraction: 0.2 });
  const rows = outbox.enqueueMany([1, 2, 3, 4, 5].map((i) => entry(i)));
  outbox.deadLetter(rows[4]!.id, 'refused by broker');
  outbox.enqueue(entry(6));
  outbox.enqueue(entry(7));
  outbox.close();
  return dir;
}

t.test('outbox status --json reports the same counts as the outbox', async (t) => {
  const dir = seededDataDir(t);
  const r = cli(['outbox', 'status', '--json', '--data-dir', dir]);
  t.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  t.equal(s['path'], join(dir, 'outbox.sqlite'));
  t.match(s, { pendingRows: 4, deadRows: 1, droppedByReason: { maxRows: 3 }, lastSeq: 8 });
  t.type(s['oldestPendingAgeMs'], 'number');
});

t.test('outbox status prints a readable block, finding the outbox through EDGE_AGENT_DATA_DIR', async (t) => {
  const dir = seededDataDir(t);
  const r = cli(['outbox', 'status'], { EDGE_AGENT_DATA_DIR: dir });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /pending rows\s+4\n/);
  t.match(r.stdout, /dead-lettered\s+1\n/);
  t.match(r.stdout, /dropped\s+maxRows 3\n/);
  t.match(r.stdout, /last seq\s+8\n/);
});

t.test('outbox export prints every pending row as NDJSON, oldest first', async (t) => {
  const dir = seededDataDir(t);
  const r = cli(['outbox', 'export', '--data-dir', dir]);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string; resultId: string; payload: Record<string, unknown> });
  t.same(lines.map((l) => [l.seq, l.kind]), [[4, 'result'], [6, 'result'], [7, 'drop'], [8, 'result']]);
  t.same(lines[3]?.payload, { i: 7, seq: 8, streamSeq: 8 }, 'payload is parsed JSON with its seq and stream seq');
  t.match(lines[2]?.payload, { type: 'outbox.drop', droppedRows: 3, firstSeq: 1, lastSeq: 3 });
});

t.test('a data dir without an outbox fails with the environment exit status and the fix', async (t) => {
  const dir = t.testdir();
  const r = cli(['outbox', 'status', '--data-dir', dir]);
  t.equal(r.status, 6);
  t.match(r.stderr, /Expected an outbox database at .*outbox\.sqlite but there is none; pass the agent's data directory with --data-dir/);
  t.match(r.stderr, /\[EDGE_OUTBOX_NOT_FOUND\]/);
  t.equal(r.stdout, '');
});

t.test('outbox dead lists dead letters; requeue moves chosen ones back and refuses what it cannot', async (t) => {
  const dir = seededDataDir(t);
  const dead = cli(['outbox', 'dead', '--json', '--data-dir', dir]);
  t.equal(dead.status, 0, dead.stderr);
  const letters = dead.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; seq: number; topic: string; reason: string; deadAt: string });
  t.match(letters, [{ seq: 5, topic: 'edge/dev1/results/cam0', reason: 'refused by broker' }]);
  t.match(letters[0]?.deadAt, /^\d{4}-\d\d-\d\dT/);
  t.match(cli(['outbox', 'dead', '--data-dir', dir]).stdout, /refused by broker/);

  const neither = cli(['outbox', 'requeue', '--data-dir', dir]);
  t.not(neither.status, 0);
  t.match(neither.stderr, /at least one dead-letter id .* or --all/);
  const missing = cli(['outbox', 'requeue', '424242', '--data-dir', dir]);
  t.equal(missing.status, 1, 'an id that is not dead is reported and exits 1');
  t.match(missing.stdout, /not requeued 424242: no dead letter/);

  const r = cli(['outbox', 'requeue', String(letters[0]?.id), '--json', '--data-dir', dir]);
  t.equal(r.status, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { requeued: [{ id: letters[0]?.id, seq: 5 }], refused: [] });
  const status = JSON.parse(cli(['outbox', 'status', '--json', '--data-dir', dir]).stdout) as { pendingRows: number; deadRows: number };
  t.match(status, { pendingRows: 5, deadRows: 0 });
  t.match(cli(['outbox', 'requeue', '--help']).stdout, /--all[\s\S]*--reason <text>[\s\S]*--data-dir/);
});
