/**
 * Stages the runtime component of one CPU: Node.js (bin/node, from node-linux-<arch>) and the
 * native modules with what they require at run time under lib/node_modules, Node.js's own prefix
 * layout, plus check-system.sh, which refuses a system below the glibc floor. The agent bundle
 * loads its native modules from `<dirname(process.execPath)>/../lib/node_modules`
 * (deploy/build/bundle-agent.ts), so the agent needs no node_modules of its own.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { NOT_AT_RUN_TIME, prunedFromRuntime, RUNTIME_MODULES } from './artifact-contents.js';
import type { TargetArch } from './native-modules.js';
import type { NodeDistribution } from './node-runtime.js';

/** The script inside the runtime artifact that checks the system before anything runs. */
export const checkSystemScript = new URL('../check-system.sh', import.meta.url);

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
}

/**
 * Checks that RUNTIME_MODULES is closed under run-time dependencies: every dependency of a
 * shipped package is shipped too or listed in NOT_AT_RUN_TIME with its reason.
 */
export function missingRuntimeDependencies(modulesDir: string, arch: TargetArch): string[] {
  const shipped = new Set(RUNTIME_MODULES[arch]);
  const missing: string[] = [];
  for (const name of shipped) {
    const pkg = JSON.parse(readFileSync(join(modulesDir, name, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (!shipped.has(dep) && !NOT_AT_RUN_TIME.includes(dep)) missing.push(`${name} depends on ${dep}`);
    }
  }
  return missing;
}

/** Stages the runtime of `arch` into `stage` from production node_modules and a Node.js distribution. */
export function stageRuntime(stage: string, modulesDir: string, node: NodeDistribution): void {
  const missing = missingRuntimeDependencies(modulesDir, node.arch);
  if (missing.length > 0) throw new Error(`Expected the runtime packages to include what they require at run time but:\n  - ${missing.join('\n  - ')}\nadd them to RUNTIME_MODULES or, when they only serve install scripts or browsers, to NOT_AT_RUN_TIME (greengrass/build/artifact-contents.ts)`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'bin'), { recursive: true });
  cpSync(join(node.dir, 'bin', 'node'), join(stage, 'bin', 'node'));
  cpSync(join(node.dir, 'LICENSE'), join(stage, 'LICENSE'));
  cpSync(checkSystemScript, join(stage, 'check-system.sh'));
  const target = join(stage, 'lib', 'node_modules');
  for (const name of RUNTIME_MODULES[node.arch]) {
    const from = join(modulesDir, name);
    if (!existsSync(from)) throw new Error(`Expected ${name} in ${modulesDir} (linux/${node.arch}) but it is missing; delete the cache folder and build again`);
    cpSync(from, join(target, name), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = relative(modulesDir, src).split(sep).join('/');
        return !rel.includes('/node_modules/') && !prunedFromRuntime(rel);
      },
    });
  }
}

/**
 * The runtime component's version: Node.js's version and a digest of the shipped packages'
 * versions, so it changes only when Node.js or a native module does (the same for every CPU).
 */
export function runtimeVersion(modulesDir: string, node: NodeDistribution): string {
  const hash = createHash('sha256').update(node.version);
  for (const name of RUNTIME_MODULES[node.arch]) {
    const { version } = JSON.parse(readFileSync(join(modulesDir, name, 'package.json'), 'utf8')) as PackageJson;
    // Per-CPU package names differ only in the CPU; the digest is the same for every CPU.
    hash.update(`\n${name.replace(`-${node.arch}`, '')}@${version}`);
  }
  return `${node.version}-rt.${hash.digest('hex').slice(0, 10)}`;
}
