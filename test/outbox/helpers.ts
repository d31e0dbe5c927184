/** Shared set-up for outbox tests: a real SQLite file in a tap temp folder. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../agent/log/logger.js';
import type { SqliteOutboxOptions } from '../../agent/outbox/options.js';
import type { OutboxEntry } from '../../agent/outbox/outbox.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';

/** Opens an outbox in `dir` (a t.testdir()) with the given options; the reserve is off unless set. */
export function openOutbox(dir: string, options: Partial<SqliteOutboxOptions> = {}): SqliteOutbox {
  return SqliteOutbox.open({ path: join(dir, 'outbox.sqlite'), logger: silentLogger(), diskReserveBytes: 0, ...options });
}

/** A result entry with a recognisable payload. */
export function entry(i: number, extra: Record<string, unknown> = {}): OutboxEntry {
  return { resultId: `result-${i}`, topic: 'edge/dev1/results/cam0', payload: { i, ...extra } };
}

/** Runs `PRAGMA integrity_check` on a file with a separate connection; 'ok' or what is wrong. */
export function integrityCheck(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    db.close();
  }
}

/**
 * A result shaped like a real detection result (ResultRecord with eight detections), about
 * 1.3 KB of JSON, so disk tests measure rows of the size the agent really stores.
 */
export function detectionEntry(i: number, topic = 'edge-agent/dev1/results/person-yolox'): OutboxEntry {
  const detections = Array.from({ length: 8 }, (_, d) => ({
    label: d % 3 === 0 ? 'person' : d % 3 === 1 ? 'bicycle' : 'car',
    score: 0.5 + ((i * 7 + d * 13) % 50) / 100,
    box: { x: 12.5 + d * 31.25, y: 40.75 + d * 9.5, width: 64.125 + d, height: 128.0625 + d },
  }));
  return {
    resultId: `01J${String(i).padStart(23, '0')}`,
    topic,
    payload: {
      schemaVersion: 1,
      resultId: `01J${String(i).padStart(23, '0')}`,
      deviceId: 'dev1',
      model: { id: 'person-yolox', version: '1.0.0', sha256: 'a'.repeat(64) },
      frame: { source: 'rtsp://camera-0.local/stream1', seq: i, capturedAt: new Date(1_767_225_600_000 + i * 100).toISOString(), width: 1280, height: 720 },
      timing: { preprocessMs: 3.25, inferenceMs: 41.5, postprocessMs: 0.75 },
      provider: 'cpu',
      detections,
    },
  };
}
