/**
 * Seq accounting against the outbox itself: after the agent stopped, every seq it handed out
 * (1 to the `seq` counter in its database) must have reached the subscriber, be covered by a drop
 * record that reached it, or still be in the outbox (pending or dead-lettered). The checker's own
 * gap count cannot see a loss below the first seq it received or above the last one; this can.
 */
import Database from 'better-sqlite3';
import { outboxPath } from '../../../agent/outbox/paths.js';
import type { SeenItem } from './delivery.js';

/** What the outbox file says after the agent stopped. */
export interface OutboxBooks {
  /** The last seq handed out (the `seq` counter). */
  lastSeq: number;
  pendingSeqs: Set<number>;
  deadSeqs: Set<number>;
  integrity: string;
}

/** Reads the outbox of `dataDir` read-only. */
export function readOutboxBooks(dataDir: string): OutboxBooks {
  const db = new Database(outboxPath(dataDir), { readonly: true });
  try {
    const lastSeq = (db.prepare("SELECT value FROM counters WHERE name = 'seq'").pluck().get() as number | undefined) ?? 0;
    const through = (db.prepare("SELECT value FROM counters WHERE name = 'deliveredThrough'").pluck().get() as number | undefined) ?? 0;
    const pendingSeqs = new Set(db.prepare("SELECT seq FROM outbox WHERE state = 'pending' AND id > ?").pluck().all(through) as number[]);
    const deadSeqs = new Set(db.prepare('SELECT seq FROM dead_letter').pluck().all() as number[]);
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    return { lastSeq, pendingSeqs, deadSeqs, integrity };
  } finally {
    db.close();
  }
}

/** How the seqs 1..lastSeq are accounted for. */
export interface SeqAccount {
  delivered: number;
  coveredByDropRecords: number;
  stillPending: number;
  deadLettered: number;
  /** Neither delivered, nor covered, nor in the outbox: vanished. */
  unaccounted: number;
  /** The first unaccounted ranges, for a person to read. */
  sample: string;
}

/** Sorts every seq from 1 to `books.lastSeq` into one of the account's columns. */
export function accountSeqs(seen: readonly SeenItem[], books: OutboxBooks): SeqAccount {
  const delivered = new Set(seen.map((i) => i.seq));
  const covered = seen.filter((i) => i.kind === 'drop' && i.firstSeq !== undefined && i.lastSeq !== undefined).map((i) => [i.firstSeq as number, i.lastSeq as number] as const);
  const a: SeqAccount = { delivered: 0, coveredByDropRecords: 0, stillPending: 0, deadLettered: 0, unaccounted: 0, sample: '' };
  const ranges: [number, number][] = [];
  for (let seq = 1; seq <= books.lastSeq; seq++) {
    if (delivered.has(seq)) a.delivered += 1;
    else if (covered.some(([from, to]) => seq >= from && seq <= to)) a.coveredByDropRecords += 1;
    else if (books.pendingSeqs.has(seq)) a.stillPending += 1;
    else if (books.deadSeqs.has(seq)) a.deadLettered += 1;
    else {
      a.unaccounted += 1;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last[1] === seq - 1) last[1] = seq;
      else ranges.push([seq, seq]);
    }
  }
  a.sample = ranges
    .slice(0, 5)
    .map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`))
    .join(' ');
  return a;
}
