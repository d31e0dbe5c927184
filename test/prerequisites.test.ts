/**
 * test/prerequisites.ts with an injected PATH: a folder holding only a fake `id` (and a fake
 * `apt-get` that records its arguments), so programs from /usr/bin are missing whoever runs it.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/shared.js';
import { isCi, nodeVersionProblem, REQUIRED_NODE_MAJOR } from './prerequisites.js';

const script = join(repoRoot, 'test', 'prerequisites.ts');
/** This environment as a developer's shell: no CI variables, so a wrong Node.js only warns. */
const localEnv: NodeJS.ProcessEnv = { ...process.env, EDGE_CI: '', CI: '' };
/** True when the node running these tests is the runtime's major (CI's), so the script prints no Node.js warning. */
const onRuntimeNode = Number(process.versions.node.split('.')[0]) === REQUIRED_NODE_MAJOR;
/** stderr lines, without the Node.js warning a developer's older node adds. */
const packageLines = (stderr: string): string[] => stderr.trim().split('\n').filter((l) => l !== '' && !/\] warning: expected Node\.js/.test(l));

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
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { ...localEnv, PATH: pathDir }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

t.test('not root and a program missing: one line naming the packages and the install command, non-zero exit', async (t) => {
  const { dir, aptLog } = fakeBin(t, 1000, true);
  const r = run(dir);
  t.not(r.status, 0, 'exits non-zero');
  const lines = packageLines(r.stderr);
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
  t.equal(packageLines(r.stderr).length, 1);
  t.match(r.stderr, /apt-get is not on PATH.*ffmpeg/);
});

t.test('with everything installed (as npm test leaves this machine) it says nothing and exits 0', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: localEnv, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  // On an older node a developer's run gets the one warning line and still goes on.
  t.equal(r.stderr, onRuntimeNode ? '' : `${nodeVersionProblem(process.version, localEnv)?.message ?? ''}\n`);
});

t.test('the Node.js check: the runtime major passes, another warns locally and is refused in CI', async (t) => {
  t.equal(nodeVersionProblem(`v${REQUIRED_NODE_MAJOR}.0.0`, {}), undefined, 'the runtime major, any minor');
  const local = nodeVersionProblem('v20.20.2', {});
  t.equal(local?.fatal, false, 'a developer\'s Node 20 only warns');
  t.match(local?.message ?? '', `expected Node.js ${REQUIRED_NODE_MAJOR}`);
  t.match(local?.message ?? '', 'but the tests run on Node.js v20.20.2');
  t.match(local?.message ?? '', '. .ci/use-node', 'names how to get it');
  t.match(local?.message ?? '', 'npm ci', 'and that the native module needs rebuilding');
  t.equal(nodeVersionProblem('v20.20.2', { EDGE_CI: '1' })?.fatal, true, '.ci/run refuses it');
  t.equal(nodeVersionProblem('v27.0.0', { CI: 'true' })?.fatal, true, 'hosted CI refuses a newer major too');
  t.equal(isCi({ CI: 'false' }), false, 'CI=false is not CI');
  t.equal(isCi({ EDGE_CI: '0' }), false);
});

t.test('in CI the script refuses any Node.js but the runtime major: non-zero exit, the reason on stderr', async (t) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { ...localEnv, EDGE_CI: '1' }, encoding: 'utf8' });
  if (onRuntimeNode) {
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stderr, '', 'the runtime major: nothing to say');
  } else {
    t.equal(r.status, 1, 'refused');
    t.equal(r.stderr, `${nodeVersionProblem(process.version, { EDGE_CI: '1' })?.message ?? ''}\n`);
    t.match(r.stderr, 'CI refuses it');
  }
});
