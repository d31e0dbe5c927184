/**
 * The Node.js that the runtime component ships: the npm registry's `node-linux-<arch>` package
 * (the official release binary with its headers), fetched with `npm pack` into the build cache
 * and unpacked once. Its headers are what better-sqlite3 is compiled against, so the addon and
 * the shipped node always share one ABI, whatever node runs the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetArch } from './native-modules.js';

/**
 * The Node.js release shipped in the runtime component: the newest 26.x, the Active LTS line
 * on 2026-12-05 (Active LTS from 2026-10-28, end of life 2029-04-30, nodejs/Release schedule).
 */
export const RUNTIME_NODE_VERSION = '26.12.1';

/** An unpacked node-linux-<arch> package. */
export interface NodeDistribution {
  arch: TargetArch;
  version: string;
  /** The package folder: bin/node, include/node/, LICENSE. */
  dir: string;
  /** NODE_MODULE_VERSION from its headers: the ABI V8-API addons are compiled for. */
  abi: string;
}

/** Reads NODE_MODULE_VERSION from node_version.h, so the ABI is known without running a foreign binary. */
export function headerAbi(dir: string): string {
  const header = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
  const m = /#define NODE_MODULE_VERSION (\d+)/.exec(header);
  if (!m) throw new Error(`Expected "#define NODE_MODULE_VERSION <n>" in ${join(dir, 'include', 'node', 'node_version.h')} but found none`);
  return m[1] as string;
}

/** node-linux-<arch>@version, packed and unpacked under `cacheDir`/node/ (reused when present). */
export function nodeDistribution(cacheDir: string, arch: TargetArch, version: string = RUNTIME_NODE_VERSION): NodeDistribution {
  const base = join(cacheDir, 'node');
  const dir = join(base, `node-linux-${arch}-${version}`);
  if (!existsSync(join(dir, 'bin', 'node'))) {
    mkdirSync(base, { recursive: true });
    const tgz = join(base, `node-linux-${arch}-${version}.tgz`);
    if (!existsSync(tgz)) {
      const r = spawnSync('npm', ['pack', `node-linux-${arch}@${version}`, '--silent', '--pack-destination', base], { encoding: 'utf8' });
      if (r.status !== 0 || !existsSync(tgz)) throw new Error(`npm pack node-linux-${arch}@${version} failed (${r.stderr.trim() || `status ${r.status}`}); it needs the npm registry once, then ${tgz} is reused`);
    }
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const r = spawnSync('tar', ['-xzf', tgz, '-C', work, '--strip-components=1'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar -xzf ${tgz} failed: ${r.stderr}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  }
  return { arch, version, dir, abi: headerAbi(dir) };
}
