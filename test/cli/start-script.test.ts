/**
 * `npm start` (bin/start.js): dist/ is rebuilt when any input is newer than the bundle, and the
 * demo runs the compiled bundle with the device's node settings, not the sources through tsx.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/shared.js';

interface StartScript {
  distIsStale: (repo?: string) => boolean;
}
const startScript = join(repoRoot, 'bin', 'start.js');
const { distIsStale } = (await import(pathToFileURL(startScript).href)) as StartScript;

t.test('dist/ is stale when missing or older than an input, fresh otherwise', async (t) => {
  const repo = t.testdir({ agent: { cli: { 'main.ts': '' } }, 'package.json': '{}' });
  t.equal(distIsStale(repo), true, 'no dist/: stale');
  mkdirSync(join(repo, 'dist', 'agent', 'cli'), { recursive: true });
  const bundle = join(repo, 'dist', 'agent', 'cli', 'main.js');
  writeFileSync(bundle, '');
  const past = new Date(Date.now() - 60_000);
  utimesSync(join(repo, 'agent', 'cli', 'main.ts'), past, past);
  utimesSync(join(repo, 'package.json'), past, past);
  t.equal(distIsStale(repo), false, 'bundle newer than every input: fresh');
  const edited = join(repo, 'agent', 'cli', 'main.ts');
  const future = new Date(Date.now() + 60_000);
  utimesSync(edited, future, future);
  t.equal(distIsStale(repo), true, 'an edited source makes it stale');
});

t.test('the demo runs the compiled bundle under the device settings and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [startScript, '--no-status', '--health-port', '0'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A rebuild of dist/ and the model load can take a while on a loaded machine.
  for (let i = 0; i < 1800 && !stderr.includes('"msg":"agent running"') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  t.match(stderr, /"msg":"agent running"/, 'the demo runs');
  const pid = child.pid as number;
  const agentPid = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  const argv = readFileSync(`/proc/${agentPid}/cmdline`, 'utf8').split('\0');
  t.ok(argv.includes('--optimize-for-size'), 'node runs with --optimize-for-size');
  t.ok(argv.includes(join(repoRoot, 'dist', 'agent', 'cli', 'main.js')), 'the compiled bundle runs');
  t.notOk(argv.some((a) => a.includes('tsx')), 'no tsx');
  const env = readFileSync(`/proc/${agentPid}/environ`, 'utf8').split('\0');
  // The same glibc settings as deploy/edge-agent.service and greengrass/run.sh (docs/benchmarks.md, memory).
  for (const setting of ['MALLOC_ARENA_MAX=1', 'MALLOC_TRIM_THRESHOLD_=131072', 'MALLOC_MMAP_THRESHOLD_=131072']) t.ok(env.includes(setting), setting);
  // tap adds its own loaders to NODE_OPTIONS of every child, so the flag is looked for among them.
  t.ok(env.some((e) => e.startsWith('NODE_OPTIONS=') && /--max-semi-space-size=2\b/.test(e)), 'semi-space of 2 MB');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM is passed on and the agent stops cleanly');
});
