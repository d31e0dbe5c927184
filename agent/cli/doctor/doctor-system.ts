/**
 * Doctor's checks of the runtime: whether the native modules load (onnxruntime-node, sharp,
 * better-sqlite3),
 * whether the data directory takes a file, free disk where the outbox lives and available memory
 * against the profile's budget.
 */
import { existsSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { describeError } from '../../errors/agent-error.js';
import type { AgentConfig } from '../../config/schema.js';
import type { DoctorCheck } from './doctor-check.js';

/** Loads a module by name; injectable so tests can make a load fail. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

/** Imports onnxruntime-node and sharp the way the agent will, and reports each failure with its fix. */
export async function nativeModuleChecks(importer: ModuleImporter, config: AgentConfig | undefined, platform: string, arch: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    const ort = (await importer('onnxruntime-node')) as { env?: { versions?: Record<string, string> } };
    const version = ort.env?.versions?.['node'] ?? ort.env?.versions?.['common'] ?? 'unknown version';
    const gpu = (config?.inference.executionProviders ?? []).filter((p) => p !== 'cpu');
    // node_modules/onnxruntime-node/README.md: the npm build is CPU-only on Linux arm64.
    if (platform === 'linux' && arch === 'arm64' && gpu.length > 0) {
      checks.push({
        name: 'onnxruntime-node',
        status: 'warn',
        detail: `loads (${version}); inference.executionProviders lists ${gpu.join(', ')}, which the npm build for Linux arm64 lacks, so inference falls back to cpu`,
        fix: 'install an onnxruntime-node built with CUDA for aarch64, or set inference.executionProviders to [cpu] to silence the fallback',
      });
    } else {
      checks.push({ name: 'onnxruntime-node', status: 'ok', detail: `loads (${version})` });
    }
  } catch (err) {
    checks.push({
      name: 'onnxruntime-node',
      status: 'problem',
      detail: `does not load: ${describeError(err)}`,
      fix: `reinstall it with \`npm ci\`; the npm package has binaries for linux x64 and arm64 only (this is ${platform} ${arch})`,
    });
  }
  try {
    const mod = (await importer('sharp')) as { default?: { versions?: Record<string, string> } };
    checks.push({ name: 'sharp', status: 'ok', detail: `loads (libvips ${mod.default?.versions?.['vips'] ?? 'unknown'})` });
  } catch (err) {
    checks.push({
      name: 'sharp',
      status: 'problem',
      detail: `does not load: ${describeError(err)}`,
      fix: `reinstall it for this platform with \`npm install --os=${platform} --cpu=${arch} sharp\``,
    });
  }
  try {
    // Importing better-sqlite3 loads only its JavaScript; opening a database loads the addon.
    const mod = (await importer('better-sqlite3')) as { default: new (path: string) => { prepare: (sql: string) => { pluck: () => { get: () => unknown } }; close: () => void } };
    const db = new mod.default(':memory:');
    const version = String(db.prepare('select sqlite_version()').pluck().get());
    db.close();
    checks.push({ name: 'better-sqlite3', status: 'ok', detail: `loads (SQLite ${version})` });
  } catch (err) {
    checks.push({
      name: 'better-sqlite3',
      status: 'problem',
      detail: `does not load: ${describeError(err)}`,
      fix: `reinstall it for this Node.js with \`npm rebuild better-sqlite3\` (its addon is built for one Node.js ABI; this is ${process.versions.modules}); under Greengrass, deploy the runtime component version the agent's recipe names`,
    });
  }
  return checks;
}

function nearestExisting(path: string): string {
  let cur = path;
  while (!existsSync(cur) && dirname(cur) !== cur) cur = dirname(cur);
  return cur;
}

/**
 * Creates and deletes a probe file where the outbox will live: the honest test of "writable"
 * (permission bits miss read-only mounts, ACLs and full inode tables). When the directory does
 * not exist yet, the probe goes into the nearest existing parent, which `run` must create it in.
 */
export function dataDirCheck(dataDir: string, fix: string): DoctorCheck {
  const existing = nearestExisting(dataDir);
  const probe = join(existing, `.edge-agent-doctor-${process.pid}`);
  const note = existing === dataDir ? '' : ` (does not exist yet; run creates it, probed ${existing})`;
  try {
    writeFileSync(probe, 'probe', { flag: 'wx' });
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? describeError(err);
    return { name: 'data directory', status: 'problem', detail: `cannot create a file in ${existing}: ${code}${note}`, fix };
  }
  return { name: 'data directory', status: 'ok', detail: `${dataDir} is writable${note}` };
}

/** Free space where the outbox lives, against outbox.minFreeDiskBytes. */
export function diskCheck(dataDir: string, minFreeDiskBytes: number, freeBytesOf: (dir: string) => number = (d) => { const s = statfsSync(d); return s.bavail * s.bsize; }): DoctorCheck {
  const existing = nearestExisting(dataDir);
  const note = existing === dataDir ? '' : ` (${dataDir} does not exist yet; measured at ${existing})`;
  const free = freeBytesOf(existing);
  const detail = `${mib(free)} free for ${dataDir}${note}; the outbox keeps at least ${mib(minFreeDiskBytes)} free`;
  if (free < minFreeDiskBytes) {
    return { name: 'disk', status: 'problem', detail, fix: 'free space on that file system, move --data-dir to a larger one, or lower outbox.minFreeDiskBytes' };
  }
  return { name: 'disk', status: 'ok', detail };
}

/** MemAvailable from /proc/meminfo (what the kernel can give without swapping), else os.freemem(). */
export function availableMemoryBytes(meminfoPath: string): number {
  try {
    const match = /^MemAvailable:\s+(\d+)\s*kB/m.exec(readFileSync(meminfoPath, 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]) * 1024;
  } catch {
    // Not Linux, or /proc not mounted: fall back to Node's figure.
  }
  return freemem();
}

/** Available memory against the profile's memoryBudgetBytes. */
export function memoryCheck(availableBytes: number, budgetBytes: number, totalBytes: number = totalmem()): DoctorCheck {
  const detail = `${mib(availableBytes)} available of ${mib(totalBytes)}; memory budget ${mib(budgetBytes)}`;
  if (availableBytes < budgetBytes) {
    return { name: 'memory', status: 'problem', detail, fix: 'stop other services, use a smaller model, or lower memoryBudgetBytes if the agent measurably needs less' };
  }
  return { name: 'memory', status: 'ok', detail };
}
