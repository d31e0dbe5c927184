#!/usr/bin/env node
// `npm start`: the demo on the code a device runs. tsx compiles every module in the agent's own
// process (195-220 MB RSS); a device runs the esbuild bundle in dist/ under --optimize-for-size,
// --max-semi-space-size=2 and glibc's MALLOC_ARENA_MAX=1, MALLOC_TRIM_THRESHOLD_ and
// MALLOC_MMAP_THRESHOLD_ (deploy/edge-agent.service, greengrass/run.sh).
// So this rebuilds dist/ with `npm run build` when any input is newer than the bundle (an edit is
// never hidden by a stale dist/), then runs the bundle with those settings in a child process,
// passes stop signals on and exits with its status. `bin/edge-agent.js` in a checkout still runs
// the sources through tsx. Usage: npm start [-- run flags], e.g. npm start -- --config my.yaml;
// `npm start -- --exit-when-done` plays each sample image once and exits (docs/cli.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'agent', 'cli', 'main.js');

/** Newest modification time (ms) of the files under `path` (a file or a folder); 0 if absent. */
export function newestMtimeMs(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  return newest;
}

/** True when dist/ is missing or older than anything the bundle is built from. */
export function distIsStale(repo = root) {
  const built = join(repo, 'dist', 'agent', 'cli', 'main.js');
  if (!existsSync(built)) return true;
  const inputs = ['agent', 'models', 'device-profiles', join('deploy', 'build'), 'package.json', 'package-lock.json', 'tsconfig.json'];
  const newest = Math.max(...inputs.map((p) => newestMtimeMs(join(repo, p))));
  return newest > statSync(built).mtimeMs;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (distIsStale()) {
    process.stderr.write('npm start: dist/ is missing or older than the sources; building it (npm run build)\n');
    const built = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'deploy', 'build', 'build-dist.ts')], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) {
      process.stderr.write(`npm start: npm run build failed with status ${built.status ?? built.signal}; the errors are above. Fix them, or run the sources with: node bin/edge-agent.js run\n`);
      process.exit(1);
    }
  }
  const args = process.argv.slice(2);
  const env = { ...process.env, MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: `--max-semi-space-size=2${process.env.NODE_OPTIONS ? ` ${process.env.NODE_OPTIONS}` : ''}` };
  // The demo itself (agent/cli/demo-config.ts) finds ../shared beside the package from the bundle
  // too, fetches its sample images into <data-dir>/demo-images and pulls its model; nothing to add.
  const child = spawn(process.execPath, ['--optimize-for-size', bundle, 'run', ...args], { cwd: process.cwd(), env, stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal too; a SIGTERM sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === 'SIGINT' ? 2 : 15)));
}
