/**
 * Decides which results are kept (stored and published). `every` keeps all of them; `on-change`
 * keeps a result when the set of labels and their counts changes, plus a heartbeat result every
 * N seconds so a quiet camera is distinguishable from a dead one. `minScore` drops weak
 * detections from what is kept.
 */
import type { ResultRecord } from '../results/result-record.js';

/** The policy of one model on one camera. */
export interface ReportPolicyOptions {
  policy: 'every' | 'on-change';
  heartbeatSeconds: number;
  minScore: number;
}

/** Why a result was kept, or `skip`. */
export type ReportDecision = 'every' | 'changed' | 'heartbeat' | 'skip';

/** Per model and camera; remembers the last kept signature. */
export class ReportPolicy {
  private readonly options: ReportPolicyOptions;
  private lastSignature: string | undefined;
  private lastKeptMs = -Infinity;

  constructor(options: ReportPolicyOptions) {
    this.options = options;
  }

  /** Filters by minScore and decides; returns the record to keep (filtered) or undefined. */
  apply(record: ResultRecord, nowMs: number): { decision: ReportDecision; record: ResultRecord | undefined } {
    const filtered = this.filter(record);
    const signature = signatureOf(filtered);
    let decision: ReportDecision;
    if (this.options.policy === 'every') decision = 'every';
    else if (signature !== this.lastSignature) decision = 'changed';
    else if (nowMs - this.lastKeptMs >= this.options.heartbeatSeconds * 1000) decision = 'heartbeat';
    else decision = 'skip';
    if (decision === 'skip') return { decision, record: undefined };
    this.lastSignature = signature;
    this.lastKeptMs = nowMs;
    return { decision, record: filtered };
  }

  private filter(record: ResultRecord): ResultRecord {
    const min = this.options.minScore;
    if (min <= 0) return record;
    if ('detections' in record) return { ...record, detections: record.detections.filter((d) => d.score >= min) };
    return { ...record, classes: record.classes.filter((c) => c.score >= min) };
  }
}

/** Labels with their counts, sorted: `person:2,dog:1` (for classes: the top label). */
export function signatureOf(record: ResultRecord): string {
  if ('classes' in record) return record.classes[0]?.label ?? '';
  const counts = new Map<string, number>();
  for (const d of record.detections) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([l, n]) => `${l}:${n}`).join(',');
}
