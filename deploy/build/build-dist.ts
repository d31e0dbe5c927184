/**
 * `npm run build`: compiles agent/ to dist/ with tsconfig.build.json (no tests) and copies the
 * files the agent reads at run time next to the compiled code. Modules find those files relative
 * to their own URL (`new URL('./manifest.schema.json', import.meta.url)`, `../../models/`), so
 * dist/ mirrors the source layout: dist/agent/** with its JSON schemas, dist/models/<id>/
 * manifest.json and dist/device-profiles/. dist/ is deleted first so no stale module survives.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is deploy/build/build-dist.ts). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Run-time data files under agent/, as paths relative to the repository root. */
export function agentDataFiles(root: string = repoRoot): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json')) out.push(relative(root, path));
    }
  };
  walk(join(root, 'agent'));
  return out.sort();
}

/** Copies the run-time data files into `outDir`; returns them relative to `outDir`. */
export function copyRuntimeAssets(root: string, outDir: string): string[] {
  const copied: string[] = [];
  const copy = (from: string): void => {
    const to = join(outDir, from);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(root, from), to);
    copied.push(from);
  };
  for (const file of agentDataFiles(root)) copy(file);
  // Only the manifests: model weights never enter an artifact through dist/.
  for (const id of readdirSync(join(root, 'models'))) {
    if (existsSync(join(root, 'models', id, 'manifest.json'))) copy(join('models', id, 'manifest.json'));
  }
  for (const file of readdirSync(join(root, 'device-profiles'))) copy(join('device-profiles', file));
  return copied.sort();
}

/**
 * Deletes `outDir`, compiles with tsconfig.build.json into it and copies the run-time assets.
 * The artifact builds pass their own staging folder, so they never leave a dist/ in the checkout
 * (bin/edge-agent.js prefers dist/ and a stale one would hide source edits).
 */
export function buildDist(root: string = repoRoot, outDir: string = join(root, 'dist')): void {
  rmSync(outDir, { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed with status ${result.status ?? result.signal}; fix the type errors above and run \`npm run build\` again`);
  copyRuntimeAssets(root, outDir);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildDist();
}
