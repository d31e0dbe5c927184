/**
 * What the pipeline tests that run the real person model share: a frames folder holding one
 * shared picture (a temp copy, never in the repository), reading what the agent kept out of its
 * real SQLite outbox, and waiting for a condition instead of a fixed time.
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { outboxPath } from '../../../agent/outbox/paths.js';
import { sharedImage } from '../../helpers/shared.js';

/** Makes `<dir>/frames` with a copy of one shared image (hopper.jpg: one person standing); returns the folder. */
export function oneImageFrames(dir: string, image = 'hopper.jpg'): string {
  const frames = join(dir, 'frames');
  mkdirSync(frames, { recursive: true });
  copyFileSync(sharedImage(image), join(frames, image));
  return frames;
}

/** Every outbox row's topic and payload, in seq order ([] before the outbox exists). */
export function outboxRows(dataDir: string): { topic: string; payload: string }[] {
  const file = outboxPath(dataDir);
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT topic, payload FROM outbox ORDER BY seq').all() as { topic: string; payload: string }[];
  } finally {
    db.close();
  }
}

/** The kept records of one `kind` (event, counts, ...), in seq order, batches unpacked. */
export function keptOfKind<T>(dataDir: string, kind: string): T[] {
  return outboxRows(dataDir).flatMap(({ payload }) => {
    const m = JSON.parse(payload) as { kind?: string; results?: unknown[] };
    const all = m.kind === 'batch' ? (m.results ?? []) : [m];
    return all.filter((x) => (x as { kind?: string }).kind === kind) as T[];
  });
}

/** Resolves once `check()` holds; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
