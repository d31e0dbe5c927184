/**
 * Outbox insert throughput at synchronous=FULL and NORMAL, one row per transaction and batched.
 * Prints a table; `runOutboxBench()` returns the numbers for `npm run bench`. Runs on the file
 * system of os.tmpdir() unless a directory is given (the numbers are that disk's, not a Pi's SD card's).
 * Run alone: `node --import tsx test/bench/outbox.ts [dir]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../agent/log/logger.js';
import type { OutboxSynchronous } from '../../agent/outbox/options.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';

/** One measured case. */
export interface OutboxBenchResult {
  synchronous: OutboxSynchronous;
  /** Rows per transaction (1 = one enqueue() per result). */
  batchRows: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Options for runOutboxBench(). */
export interface OutboxBenchOptions {
  /** Directory the databases are created in (a fresh temp folder inside it). */
  dir?: string;
  /** Time spent on each case, in ms. */
  durationMs?: number;
  /** Rows per enqueueMany() call in the batched cases. */
  batchRows?: number;
}

/** A payload shaped like a detection ResultRecord (about 600 bytes of JSON); the storage benchmark uses it too. */
export function samplePayload(i: number): Record<string, unknown> {
  return {
    schemaVersion: 1,
    resultId: `01JBENCH${String(i).padStart(18, '0')}`,
    deviceId: 'bench-device',
    model: { id: 'person-yolox-192', version: '1', sha256: 'a'.repeat(64) },
    frame: { source: 'cam0', seq: i, capturedAt: new Date().toISOString(), width: 640, height: 480 },
    timing: { preprocessMs: 3.1, inferenceMs: 41.7, postprocessMs: 0.4 },
    provider: 'cpu',
    detections: [
      { label: 'person', score: 0.91, box: { x: 120, y: 40, width: 80, height: 200 } },
      { label: 'person', score: 0.66, box: { x: 410, y: 52, width: 71, height: 188 } },
    ],
  };
}

function measure(dir: string, synchronous: OutboxSynchronous, batchRows: number, durationMs: number): OutboxBenchResult {
  const path = join(dir, `bench-${synchronous}-${batchRows}.sqlite`);
  const outbox = SqliteOutbox.open({ path, logger: silentLogger(), synchronous, minFreeDiskBytes: 0 });
  let rows = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  try {
    while (process.hrtime.bigint() < deadline) {
      const entries = [];
      for (let k = 0; k < batchRows; k += 1, rows += 1) {
        entries.push({ resultId: `r${rows}`, topic: 'edge/bench-device/results/cam0', payload: samplePayload(rows) });
      }
      if (batchRows === 1) outbox.enqueue(entries[0] as (typeof entries)[number]);
      else outbox.enqueueMany(entries);
    }
  } finally {
    outbox.close();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { synchronous, batchRows, rows, seconds, rowsPerSecond: Math.round(rows / seconds) };
}

/** Measures every case in a fresh temp folder and removes it afterwards. */
export function runOutboxBench(options: OutboxBenchOptions = {}): OutboxBenchResult[] {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'outbox-bench-'));
  const durationMs = options.durationMs ?? 3_000;
  const batchRows = options.batchRows ?? 100;
  try {
    const results: OutboxBenchResult[] = [];
    for (const synchronous of ['full', 'normal'] as const) {
      for (const rows of [1, batchRows]) results.push(measure(dir, synchronous, rows, durationMs));
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The results as an aligned text table. */
export function formatOutboxBench(results: readonly OutboxBenchResult[]): string {
  const lines = ['synchronous  rows/txn  rows      seconds  rows/s'];
  for (const r of results) {
    lines.push(
      `${r.synchronous.padEnd(11)}  ${String(r.batchRows).padStart(8)}  ${String(r.rows).padEnd(8)}  ${r.seconds.toFixed(2).padStart(7)}  ${String(r.rowsPerSecond).padStart(7)}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  console.log(`outbox inserts (${dir ?? tmpdir()})`);
  console.log(formatOutboxBench(runOutboxBench(dir === undefined ? {} : { dir })));
}
