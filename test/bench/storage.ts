/**
 * Slow storage: the outbox's enqueue path on a disk whose fsync and fdatasync take 5, 20 or 50 ms
 * longer (an LD_PRELOAD shim compiled here, slow-fsync.ts), per result as before group commit,
 * group commit syncing on the event loop, and group commit with the WAL synced off it (the
 * agent's default). Reports results/s stored and the event-loop delay p99 at 40 results/s
 * offered (two models at 20 frames/s) and as fast as the loop takes them. Cases alternate, one
 * child process each, so the machine's load falls on all of them alike; compare within a run.
 * Run alone: node --import tsx test/bench/storage.ts [durationMs]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSlowFsyncShim, slowFsyncEnv } from './slow-fsync.js';
import type { StorageCase, StorageCaseResult, StorageMode } from './storage-case.js';

/** One measured case, with the load average when it ran. */
export interface StorageBenchRow extends StorageCaseResult {
  mode: StorageMode;
  fsyncDelayMs: number;
  ratePerSecond: number;
  loadAverage: number;
}

/** Options of runStorageBench(). */
export interface StorageBenchOptions {
  durationMs?: number;
  delaysMs?: readonly number[];
  modes?: readonly StorageMode[];
  rates?: readonly number[];
  windowMs?: number;
}

const caseScript = join(import.meta.dirname, 'storage-case.ts');

function runCase(shim: string, c: StorageCase): Promise<StorageCaseResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', caseScript, JSON.stringify(c)], { env: slowFsyncEnv(shim, c.fsyncDelayMs), timeout: c.durationMs + 120_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`storage case ${JSON.stringify(c)} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as StorageCaseResult);
    });
  });
}

/** Runs every case once, alternating modes within each delay so load changes hit them alike. */
export async function runStorageBench(options: StorageBenchOptions = {}): Promise<StorageBenchRow[]> {
  const shim = buildSlowFsyncShim();
  const dir = mkdtempSync(join(tmpdir(), 'storage-bench-'));
  const rows: StorageBenchRow[] = [];
  try {
    for (const ratePerSecond of options.rates ?? [40, 0]) {
      for (const fsyncDelayMs of options.delaysMs ?? [0, 5, 20, 50]) {
        for (const mode of options.modes ?? (['per-result', 'group-on-loop', 'group'] as const)) {
          const c: StorageCase = { mode, fsyncDelayMs, ratePerSecond, durationMs: options.durationMs ?? 5_000, windowMs: options.windowMs ?? 50, dir };
          const loadAverage = loadavg()[0] ?? 0;
          rows.push({ ...(await runCase(shim, c)), mode, fsyncDelayMs, ratePerSecond, loadAverage });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The rows as a table, with each case's stored rate over the same mode's on the unslowed disk. */
export function formatStorageBench(rows: readonly StorageBenchRow[]): string {
  const lines = ['offered/s  fsync+ms  mode           stored/s  vs fast disk  txns  loop p99 ms  loop max ms  load'];
  for (const r of rows) {
    const fast = rows.find((x) => x.mode === r.mode && x.ratePerSecond === r.ratePerSecond && x.fsyncDelayMs === 0);
    const ratio = fast === undefined ? NaN : r.storedPerSecond / fast.storedPerSecond;
    lines.push([
      (r.ratePerSecond === 0 ? 'max' : String(r.ratePerSecond)).padStart(9),
      String(r.fsyncDelayMs).padStart(8),
      r.mode.padEnd(13),
      r.storedPerSecond.toFixed(1).padStart(9),
      ratio.toFixed(2).padStart(12),
      String(r.transactions).padStart(5),
      r.loopDelayP99Ms.toFixed(1).padStart(11),
      r.loopDelayMaxMs.toFixed(1).padStart(11),
      r.loadAverage.toFixed(1).padStart(5),
    ].join('  '));
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const durationMs = Number(process.argv[2] ?? 5_000);
  console.log(formatStorageBench(await runStorageBench({ durationMs })));
}
