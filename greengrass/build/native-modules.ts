/**
 * Production node_modules for a target CPU and the runtime component's Node.js, built on this
 * machine whatever its own CPU and its own node.
 *
 * - onnxruntime-node ships linux/arm64 and linux/x64 binaries in one npm package.
 * - sharp and esbuild pick a per-platform optional package; `npm ci --os=linux --cpu=<arch>
 *   --libc=glibc` installs the target's.
 * - better-sqlite3 has no prebuilt binary reachable here (its prebuilds live on GitHub), so it is
 *   compiled: with the host compiler for the host's CPU, with g++-aarch64-linux-gnu for arm64,
 *   against the headers of the Node.js the runtime component ships (node-runtime.ts). It uses
 *   V8's C++ API, not N-API: it only loads in that Node.js major (NODE_MODULE_VERSION).
 *
 * Install scripts are skipped (`--ignore-scripts`): they would download from outside the npm
 * registry. The result is cached by arch, Node ABI and lockfile digest, and checked by reading
 * the ELF header of every native addon, so an x64 binary can never ship in an arm64 artifact.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { NodeDistribution } from './node-runtime.js';

/** Target CPUs of the artifacts, in npm's names. */
export type TargetArch = 'arm64' | 'x64';
/** Every target the build knows. */
export const TARGET_ARCHES: readonly TargetArch[] = ['arm64', 'x64'];

/** ELF e_machine values (the CPU a binary was compiled for). */
const ELF_MACHINE: Record<TargetArch, number> = { x64: 0x3e, arm64: 0xb7 };

/** The CPU an ELF file was compiled for, or undefined when it is not ELF. */
export function elfArch(path: string): TargetArch | 'other' | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const machine = header.readUInt16LE(18);
  const found = (Object.keys(ELF_MACHINE) as TargetArch[]).find((a) => ELF_MACHINE[a] === machine);
  return found ?? 'other';
}

/** Every `*.node` addon under `dir`. */
export function nativeAddons(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.node')) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Where the build gets its tools; tests and callers may override. */
export interface NativeModulesOptions {
  root: string;
  arch: TargetArch;
  cacheDir: string;
  /** The Node.js the modules are for (its headers and ABI). */
  node: NodeDistribution;
  /** Prints progress lines. */
  log?: (line: string) => void;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed with status ${result.status ?? result.signal}:\n${output}`);
  }
}

function hostArch(): TargetArch | undefined {
  return process.arch === 'arm64' || process.arch === 'x64' ? process.arch : undefined;
}

/**
 * The folder of the npm on PATH, its symlink resolved (/usr/bin/npm -> /usr/lib/node_modules/npm).
 * npm need not sit beside the node running the build: .ci/use-node puts a node-linux-<arch> node,
 * which has no npm, first on PATH, and `npm root -g` then answers that node's prefix.
 */
function npmOnPath(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const npm = join(dir, 'npm');
    if (dir !== '' && existsSync(npm)) return join(dirname(realpathSync(npm)), '..');
  }
  return undefined;
}

/** npm's bundled node-gyp, so the build needs no global install. */
function nodeGypPath(): string {
  const npmCli = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
  const npmDir = npmOnPath();
  const candidates = [
    ...(npmDir === undefined ? [] : [join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]),
    join(npmCli, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`node-gyp not found (looked in ${candidates.join(', ')}); install it with \`npm install -g node-gyp\``);
  return found;
}

function compileBetterSqlite3(moduleDir: string, arch: TargetArch, node: NodeDistribution, root: string, log: (line: string) => void): void {
  const addon = join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
  const checkout = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  const sameVersion = (): boolean => {
    const a = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version: string };
    const b = JSON.parse(readFileSync(join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
    return a.version === b.version;
  };
  // The checkout's own addon was compiled by `npm ci` for this CPU and this node: reuse it when
  // this node is the runtime's major.
  if (arch === hostArch() && process.versions.modules === node.abi && existsSync(checkout) && elfArch(checkout) === arch && sameVersion()) {
    mkdirSync(dirname(addon), { recursive: true });
    cpSync(checkout, addon);
    log(`better-sqlite3: reused ${relative(root, checkout)}`);
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Under `npm test` or `npm run`, npm exports its config as npm_config_* (this machine's has
  // nodedir=/usr, Node 20's headers), and node-gyp took that over --nodedir: the runtime then
  // shipped an addon for ABI 115 that its Node 26 refused. Point every such variable at the
  // shipped node.
  for (const key of Object.keys(env)) if (/^npm_config_(nodedir|target|runtime|dist_url|disturl|arch)$/i.test(key)) delete env[key];
  env['npm_config_nodedir'] = node.dir;
  if (arch !== hostArch()) {
    if (arch !== 'arm64') throw new Error(`Cross-compiling better-sqlite3 for ${arch} is not set up; build on a ${arch} machine`);
    const gcc = spawnSync('aarch64-linux-gnu-g++', ['--version']);
    if (gcc.status !== 0) {
      throw new Error('aarch64-linux-gnu-g++ not found; install the arm64 cross compiler with `apt-get install g++-aarch64-linux-gnu`');
    }
    Object.assign(env, { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar' });
  }
  log(`better-sqlite3: compiling for ${arch} and Node.js ${node.version} (ABI ${node.abi}; a few minutes)`);
  // --nodedir: the shipped node's own headers, so node-gyp downloads nothing.
  run(process.execPath, [nodeGypPath(), 'rebuild', '--release', `--arch=${arch}`, `--nodedir=${node.dir}`, '-j', '2'], moduleDir, env);
}

/** Objects, sources and the static sqlite library are only needed to link; the addon is all that ships. */
function pruneBetterSqlite3(moduleDir: string): void {
  for (const entry of readdirSync(join(moduleDir, 'build'))) if (entry !== 'Release') rmSync(join(moduleDir, 'build', entry), { recursive: true, force: true });
  for (const entry of readdirSync(join(moduleDir, 'build', 'Release'))) if (entry !== 'better_sqlite3.node') rmSync(join(moduleDir, 'build', 'Release', entry), { recursive: true, force: true });
  rmSync(join(moduleDir, 'deps'), { recursive: true, force: true });
  rmSync(join(moduleDir, 'src'), { recursive: true, force: true });
}

/** Deletes binaries for other platforms that packages ship all at once, to keep the artifact small. */
function pruneOtherPlatforms(modulesDir: string, arch: TargetArch): void {
  const ort = join(modulesDir, 'onnxruntime-node', 'bin', 'napi-v6');
  if (existsSync(ort)) {
    for (const os of readdirSync(ort)) {
      if (os !== 'linux') rmSync(join(ort, os), { recursive: true, force: true });
      else for (const a of readdirSync(join(ort, os))) if (a !== arch) rmSync(join(ort, os, a), { recursive: true, force: true });
    }
  }
  const crt = join(modulesDir, 'aws-crt', 'dist', 'bin');
  if (existsSync(crt)) for (const p of readdirSync(crt)) if (p !== `linux-${arch}-glibc`) rmSync(join(crt, p), { recursive: true, force: true });
  const crtBrowser = join(modulesDir, 'aws-crt', 'dist.browser');
  rmSync(crtBrowser, { recursive: true, force: true });
}

/** Checks that every addon in `modulesDir` is for `arch` and that the ones the agent loads are there. */
export function checkNativeModules(modulesDir: string, arch: TargetArch): void {
  const problems: string[] = [];
  for (const addon of nativeAddons(modulesDir)) {
    const found = elfArch(addon);
    // Test helpers some packages ship (better-sqlite3's test_extension) are removed above; anything left must match.
    if (found !== arch) problems.push(`${relative(modulesDir, addon)} is ${found ?? 'not ELF'}`);
  }
  const required = [
    join('better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    join('onnxruntime-node', 'bin', 'napi-v6', 'linux', arch, 'onnxruntime_binding.node'),
    join('aws-crt', 'dist', 'bin', `linux-${arch}-glibc`, 'aws-crt-nodejs.node'),
  ];
  for (const r of required) if (!existsSync(join(modulesDir, r))) problems.push(`${r} is missing`);
  // sharp names its addon with its version (sharp-linux-arm64-0.35.5.node).
  const sharpLib = join(modulesDir, '@img', `sharp-linux-${arch}`, 'lib');
  if (!existsSync(sharpLib) || !readdirSync(sharpLib).some((f) => f.endsWith('.node'))) problems.push(`@img/sharp-linux-${arch}/lib/*.node is missing`);
  if (problems.length > 0) throw new Error(`Expected native modules for linux/${arch} in ${modulesDir} but:\n  - ${problems.join('\n  - ')}`);
}

/** The cache key: target, the Node ABI better-sqlite3 is compiled for, and the lockfile. */
export function modulesCacheKey(root: string, arch: TargetArch, abi: string): string {
  const lock = createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex').slice(0, 16);
  return `node_modules-linux-${arch}-abi${abi}-${lock}`;
}

/** Builds (or reuses from the cache) production node_modules for `arch`; returns its path. */
export function productionModules(options: NativeModulesOptions): string {
  const log = options.log ?? ((): void => undefined);
  const { root, arch } = options;
  const target = join(options.cacheDir, modulesCacheKey(root, arch, options.node.abi));
  const modulesDir = join(target, 'node_modules');
  if (existsSync(join(target, '.complete'))) {
    log(`node_modules for linux/${arch}: cached in ${target}`);
    return modulesDir;
  }
  const work = `${target}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) if (existsSync(join(root, f))) cpSync(join(root, f), join(work, f));
  log(`node_modules for linux/${arch}: npm ci --omit=dev`);
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--os=linux', `--cpu=${arch}`, '--libc=glibc'], work, { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' });
  const sqlite = join(work, 'node_modules', 'better-sqlite3');
  compileBetterSqlite3(sqlite, arch, options.node, root, log);
  pruneBetterSqlite3(sqlite);
  pruneOtherPlatforms(join(work, 'node_modules'), arch);
  checkNativeModules(join(work, 'node_modules'), arch);
  writeFileSync(join(work, '.complete'), `${new Date().toISOString()}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(work, target);
  return modulesDir;
}
