/**
 * `npm run build`: bundles the agent with esbuild (bundle-agent.ts) into dist/agent/cli/main.js
 * and a few chunks, and copies the files the agent reads at run time. Modules find those files
 * relative to their own URL (`new URL('./manifest.schema.json', import.meta.url)`,
 * `../../models/`), and the bundle keeps each module's own URL, so dist/ mirrors the source
 * layout for data files: dist/agent/** with its JSON schemas, dist/models/<id>/manifest.json and
 * dist/device-profiles/. dist/ is deleted first so no stale module survives.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleAgent } from './bundle-agent.js';

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
 * Deletes `outDir`, bundles the agent into it and copies the run-time assets; returns every file
 * written, relative to `outDir`, sorted. The artifact builds pass their own staging folder, so
 * they never leave a dist/ in the checkout (bin/edge-agent.js prefers the sources when present).
 */
export async function bundleDist(root: string = repoRoot, outDir: string = join(root, 'dist')): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const { files } = await bundleAgent(root, outDir);
  return [...files, ...copyRuntimeAssets(root, outDir)].sort();
}

/**
 * bundleDist for synchronous callers (the benchmarks): esbuild's plugins need its async API, so
 * this runs `npm run build -- --out DIR` in a child process.
 */
export function buildDist(root: string = repoRoot, outDir: string = join(root, 'dist')): void {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--out', outDir], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`bundling the agent into ${outDir} failed with status ${result.status ?? result.signal}; the errors are above`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  await bundleDist(repoRoot, values.out ?? join(repoRoot, 'dist'));
}
