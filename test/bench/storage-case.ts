/**
 * One case of the slow-storage benchmark, run in a child process so the fsync shim applies to it
 * alone: kept results are offered at a fixed rate (or as fast as the loop takes them) and handed
 * to the outbox the way the agent does, per result or by group commit. Prints one JSON line.
 * Run by storage.ts; by hand: node --import tsx test/bench/storage-case.ts '<json case>'
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { GroupCommit } from '../../agent/outbox/group-commit.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { WalSync } from '../../agent/outbox/wal-sync.js';
import { samplePayload } from './outbox.js';

/** How results reach the disk. */
export type StorageMode = 'per-result' | 'group-on-loop' | 'group';

/** One case. */
export interface StorageCase {
  mode: StorageMode;
  /** Added to every fsync/fdatasync by the shim (0 = the disk as it is). */
  fsyncDelayMs: number;
  /** Results offered per second; 0 offers one whenever the event loop is free. */
  ratePerSecond: number;
  durationMs: number;
  windowMs: number;
  dir: string;
}

/** What one case measured. */
export interface StorageCaseResult {
  offered: number;
  stored: number;
  storedPerSecond: number;
  transactions: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  walSyncs: number;
}

async function run(c: StorageCase): Promise<StorageCaseResult> {
  const logger = silentLogger();
  const path = join(c.dir, `storage-${c.mode}-${c.fsyncDelayMs}-${process.pid}.sqlite`);
  // Group commit with a WAL sync runs the outbox at NORMAL and syncs off the loop; the others are FULL.
  const outbox = SqliteOutbox.open({ path, logger, synchronous: c.mode === 'group' ? 'normal' : 'full', minFreeDiskBytes: 0 });
  const walSync = c.mode === 'group' ? new WalSync({ databasePath: path, logger }) : undefined;
  const commit = new GroupCommit<undefined>(outbox, { windowMs: c.mode === 'per-result' ? 0 : c.windowMs, maxRows: 1000, logger, ...(walSync === undefined ? {} : { walSync }) });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let offered = 0;
  const keep = () => {
    const i = offered++;
    try {
      commit.add({ resultId: `r${i}`, topic: 'edge/bench-device/results/cam0', payload: samplePayload(i) }, undefined);
    } catch {
      // counted by the difference between offered and stored
    }
  };
  // Warm-up: the first insert writes the outbox's seq mark (two fsyncs on the loop, once per
  // 1,000 seqs); measured from the second group on, as the agent runs after its first results.
  keep();
  commit.flush();
  await walSync?.idle();
  const storedBefore = commit.stats().rowsStored;
  const transactionsBefore = commit.stats().transactions;
  const t0 = performance.now();
  delay.enable();
  if (c.ratePerSecond > 0) {
    // A camera's latest frame: a tick that comes late makes one result, not a catch-up burst.
    const timer = setInterval(keep, 1000 / c.ratePerSecond);
    await new Promise((r) => setTimeout(r, c.durationMs));
    clearInterval(timer);
  } else {
    while (performance.now() - t0 < c.durationMs) {
      keep();
      await new Promise((r) => setImmediate(r));
    }
  }
  delay.disable();
  const seconds = (performance.now() - t0) / 1000;
  const s = commit.stats();
  commit.close();
  await walSync?.idle();
  outbox.close();
  return {
    offered: offered - 1,
    // What was written by the end of the measured time (a group still waiting is not counted).
    stored: s.rowsStored - storedBefore,
    storedPerSecond: (s.rowsStored - storedBefore) / seconds,
    transactions: s.transactions - transactionsBefore,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    loopDelayMaxMs: delay.max / 1e6,
    walSyncs: walSync?.stats().syncs ?? 0,
  };
}

const arg = process.argv[2];
if (arg !== undefined) {
  const result = await run(JSON.parse(arg) as StorageCase);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
