/**
 * Seq continuity at open: compares what the store holds with the seq high-water mark
 * (seq-mark.ts) and what salvage read from a quarantined file, and decides where `seq` and each
 * topic's `streamSeq` go on from, and which numbers the store lost. Numbers are never handed out
 * twice: after a loss they go on above the mark's reservation. Every lost number gets covered by
 * a storeLost drop record, one per stream.
 */
import type { Database } from 'better-sqlite3';
import type { SalvageResult } from './salvage.js';
import type { SeqMarkState } from './seq-mark.js';
import { seqMarkReserveRows } from './seq-mark.js';

/** One stream's lost range, for its drop record. */
export interface LostStream {
  topic: string;
  firstStreamSeq: number;
  lastStreamSeq: number;
  /** Stream seqs known to have been committed and now missing (the range may be wider: it also covers seqs reserved but perhaps never handed out). */
  knownLostRows: number;
}

/** Where the counters go on from and what was lost. */
export interface ContinuityPlan {
  /** Why the store is taken as having lost rows, or null when it is whole (then nothing below changes). */
  lossReason: string | null;
  /** The device counter's new value (the next seq is one more). */
  seq: number;
  /** Every known topic's counter value to set. */
  streams: Map<string, number>;
  /** Device seq range the store no longer holds (null when none). */
  lostSeqRange: { first: number; last: number } | null;
  /** One entry per stream that lost stream seqs. */
  lostStreams: LostStream[];
  /** Results known lost: unreadable rows plus commits the mark (or the old counters) prove but the store lacks. */
  knownLostRows: number;
}

/** What is known about the store before planning. */
export interface ContinuityInput {
  mark: SeqMarkState | null;
  /** Why the store is known to be damaged or replaced (quarantine, damaged WAL, missing file), or null. */
  damage: string | null;
  salvage: SalvageResult | null;
  /** Frames a damaged WAL lost; bounds the jump when there is no mark. */
  walLostFrames: number;
}

/** Reads the store and plans the counters; does not write. */
export function planContinuity(db: Database, input: ContinuityInput): ContinuityPlan {
  const stored = storedCounters(db);
  const { mark, salvage } = input;
  const oldCounters = salvage?.counters ?? new Map<string, number>();
  const fromOld = (name: string): number => oldCounters.get(name) ?? 0;
  const topics = new Set<string>([...stored.streams.keys(), ...Object.keys(mark?.streams ?? {})]);
  for (const [name] of oldCounters) if (name.startsWith('streamSeq:')) topics.add(name.slice('streamSeq:'.length));
  // What the store holds, or held: its rows, its counters, and a quarantined file's counters.
  const baseSeq = Math.max(stored.seq, fromOld('seq'));
  const baseStream = (topic: string): number => Math.max(stored.streams.get(topic) ?? 0, fromOld(`streamSeq:${topic}`));
  // A quarantined file whose every row and counter was read lost nothing (its damage was elsewhere).
  const unreadable = salvage?.unreadableRows ?? 0;
  const wholeSalvage = salvage !== null && salvage.problem === null && unreadable === 0 && oldCounters.has('seq') && input.walLostFrames === 0;
  let lossReason = wholeSalvage ? null : input.damage;
  const committedSeq = mark?.seq.committed ?? 0;
  if (lossReason === null && baseSeq < committedSeq) {
    lossReason = `the store's last seq is ${baseSeq}, but the seq mark shows seq ${committedSeq} was committed`;
  }
  if (lossReason === null) {
    for (const topic of topics) {
      const committed = mark?.streams[topic]?.committed ?? 0;
      if (baseStream(topic) < committed) {
        lossReason = `the store's last stream seq on ${topic} is ${baseStream(topic)}, but the seq mark shows ${committed} was committed`;
        break;
      }
    }
  }
  const plan: ContinuityPlan = { lossReason, seq: baseSeq, streams: new Map(), lostSeqRange: null, lostStreams: [], knownLostRows: 0 };
  if (lossReason === null) {
    for (const topic of topics) plan.streams.set(topic, baseStream(topic));
    return plan;
  }

  // Without a mark, a damaged WAL's loss is bounded by what its frames could hold.
  const blindJump = mark === null ? Math.max(seqMarkReserveRows, input.walLostFrames * 100) : 0;
  const firstUnreadableId = salvage?.firstUnreadableId ?? null;
  plan.seq = Math.max(baseSeq, mark?.seq.reserved ?? 0, baseSeq + blindJump);
  let firstLostSeq = firstUnreadableId === null ? baseSeq + 1 : Math.min(baseSeq + 1, seqBefore(db, firstUnreadableId) + 1);
  // A damaged page can also hide rows without an error; a hole among the salvaged numbers is a loss too.
  if (salvage !== null) firstLostSeq = Math.min(firstLostSeq, firstHole(db, 'seq', null) ?? firstLostSeq);
  if (plan.seq >= firstLostSeq) plan.lostSeqRange = { first: firstLostSeq, last: plan.seq };
  plan.knownLostRows = unreadable + Math.max(0, committedSeq - baseSeq);

  for (const topic of [...topics].sort()) {
    const have = baseStream(topic);
    const next = Math.max(have, mark?.streams[topic]?.reserved ?? 0, have + blindJump);
    plan.streams.set(topic, next);
    // Lost stream seqs start after the last one this topic kept before the first unreadable row
    // (1 when it kept none there: which of them were delivered is then unknown), else after its last.
    let first = firstUnreadableId === null ? have + 1 : Math.min(have + 1, streamSeqBefore(db, topic, firstUnreadableId) + 1);
    if (salvage !== null) first = Math.min(first, firstHole(db, 'stream_seq', topic) ?? first);
    if (next < first) continue;
    plan.lostStreams.push({ topic, firstStreamSeq: first, lastStreamSeq: next, knownLostRows: Math.max(0, (mark?.streams[topic]?.committed ?? 0) - have) });
  }
  return plan;
}

/** The store's counters, raised to the highest seq and stream seq its rows carry (salvaged rows bring their own). */
function storedCounters(db: Database): { seq: number; streams: Map<string, number> } {
  const counter = (db.prepare("SELECT value FROM counters WHERE name = 'seq'").pluck().get() as number | undefined) ?? 0;
  const rowsMax = db.prepare('SELECT max(m) FROM (SELECT max(seq) AS m FROM outbox UNION ALL SELECT max(seq) FROM dead_letter)').pluck().get() as number | null;
  const streams = new Map<string, number>();
  for (const r of db.prepare("SELECT substr(name, 11) AS topic, value FROM counters WHERE name LIKE 'streamSeq:%'").all() as { topic: string; value: number }[]) {
    streams.set(r.topic, r.value);
  }
  const perTopic = db
    .prepare('SELECT topic, max(m) AS m FROM (SELECT topic, max(stream_seq) AS m FROM outbox GROUP BY topic UNION ALL SELECT topic, max(stream_seq) FROM dead_letter GROUP BY topic) GROUP BY topic')
    .all() as { topic: string; m: number | null }[];
  for (const r of perTopic) if (r.m !== null) streams.set(r.topic, Math.max(streams.get(r.topic) ?? 0, r.m));
  return { seq: Math.max(counter, rowsMax ?? 0), streams };
}

/** Highest device seq of a kept row with an id below `id` (0 when none). */
function seqBefore(db: Database, id: number): number {
  return (db.prepare('SELECT max(seq) FROM outbox WHERE id < ?').pluck().get(id) as number | null) ?? 0;
}

/** Highest stream seq of `topic` among kept rows with an id below `id` (0 when none). */
function streamSeqBefore(db: Database, topic: string, id: number): number {
  return (db.prepare('SELECT max(stream_seq) FROM outbox WHERE topic = ? AND id < ?').pluck().get(topic, id) as number | null) ?? 0;
}

/** The first number missing between the lowest and highest kept (rows and dead letters) of `column`, on `topic` when given; null when none. */
function firstHole(db: Database, column: 'seq' | 'stream_seq', topic: string | null): number | null {
  const where = topic === null ? '' : 'WHERE topic = ?';
  const sql = `SELECT ${column} AS n FROM outbox ${where} UNION SELECT ${column} FROM dead_letter ${where} ORDER BY 1`;
  const numbers = (topic === null ? db.prepare(sql).pluck().all() : db.prepare(sql).pluck().all(topic, topic)) as (number | null)[];
  let previous: number | null = null;
  for (const n of numbers) {
    if (n === null) continue;
    if (previous !== null && n > previous + 1) return previous + 1;
    previous = n;
  }
  return null;
}
