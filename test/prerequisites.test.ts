/**
 * test/prerequisites.ts with an injected PATH: a folder holding only a fake `id` (and a fake
 * `apt-get` that records its arguments), so programs from /usr/bin are missing whoever runs it.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/shared.js';

const script = join(repoRoot, 'test', 'prerequisites.ts');

/** A PATH folder with `id -u` answering `uid`, and with a recording apt-get when asked. */
function fakeBin(t: Test, uid: number, withApt: boolean): { dir: string; aptLog: string } {
  const dir = t.testdir();
  const aptLog = join(dir, 'apt.log');
  writeFileSync(join(dir, 'id'), `#!/bin/sh\necho ${uid}\n`);
  chmodSync(join(dir, 'id'), 0o755);
  if (withApt) {
    // Records each call and succeeds without installing anything, as an apt whose packages do not bring the program would.
    writeFileSync(join(dir, 'apt-get'), `#!/bin/sh\necho "$*" >> ${aptLog}\n`);
    chmodSync(join(dir, 'apt-get'), 0o755);
  }
  return { dir, aptLog };
}

function run(pathDir: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { ...process.env, PATH: pathDir }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

t.test('not root and a program missing: one line naming the packages and the install command, non-zero exit', async (t) => {
  const { dir, aptLog } = fakeBin(t, 1000, true);
  const r = run(dir);
  t.not(r.status, 0, 'exits non-zero');
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line (${r.stderr})`);
  t.match(lines[0], /test prerequisites missing \(not root/);
  t.match(lines[0], /ffmpeg/, 'names ffmpeg, which lives in /usr/bin and so is off this PATH');
  t.match(lines[0], /gstreamer1\.0-tools/);
  t.match(lines[0], /sudo apt-get update && sudo apt-get install -y --no-install-recommends .*ffmpeg/, 'gives the command');
  t.notOk(existsSync(aptLog), 'apt-get was not run by a non-root user');
});

t.test('root with apt-get: update once, install the missing packages, and stop when they are still missing', async (t) => {
  const { dir, aptLog } = fakeBin(t, 0, true);
  const r = run(dir);
  t.not(r.status, 0, 'exits non-zero: the fake apt-get installed nothing');
  const calls = readFileSync(aptLog, 'utf8').trim().split('\n');
  t.equal(calls.length, 2, 'two apt-get calls');
  t.match(calls[0], /^update/);
  t.match(calls[1], /^install -y .*--no-install-recommends .*ffmpeg.*zip/);
  t.match(r.stderr, /installing the test prerequisites: .*ffmpeg/, 'says what it installs');
  t.match(r.stderr, /still missing after apt-get: .*ffmpeg.*apt-get install -y --no-install-recommends/);
});

t.test('root without apt-get: the same one-line message', async (t) => {
  const { dir } = fakeBin(t, 0, false);
  const r = run(dir);
  t.not(r.status, 0);
  t.equal(r.stderr.trim().split('\n').length, 1);
  t.match(r.stderr, /apt-get is not on PATH.*ffmpeg/);
});

t.test('with everything installed (as npm test leaves this machine) it says nothing and exits 0', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
});
