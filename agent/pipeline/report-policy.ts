/**
 * Decides what is kept (stored and published) of each result. `every` keeps all of them;
 * `on-change` keeps a result when the set of labels and their counts changes, plus a heartbeat
 * result every N seconds so a quiet camera is distinguishable from a dead one; `events` keeps no
 * result but the tracker's events (event-policy.ts); `counts` keeps no result but one count record
 * per interval (count-policy.ts). `minScore` drops weak detections from what is kept. With tracking
 * on, detections of confirmed tracks carry their `trackId`.
 */
import type { CountRecord } from '../results/count-record.js';
import type { EndReason, EventRecord } from '../results/event-record.js';
import { newResultId } from '../results/result-id.js';
import type { DetectionRecord, ResultRecord } from '../results/result-record.js';
import { CountPolicy, type CountPolicyStats } from './count-policy.js';
import { EventPolicy } from './event-policy.js';
import { restartEnd, type OpenEventJournal } from './open-events.js';
import type { SceneSettings } from './scene.js';
import { Tracker, type TrackerOptions } from './tracker.js';

/** The tracker's settings (ids are made here). */
export type TrackingSettings = Omit<TrackerOptions, 'newId'> & { enabled: boolean };

/** The policy of one model on one camera. */
export interface ReportPolicyOptions {
  policy: 'every' | 'on-change' | 'events' | 'counts';
  heartbeatSeconds: number;
  /** `counts`: the interval of one count record (`report.intervalSeconds`; the resolver always sets it). Read by no other policy. */
  intervalSeconds?: number;
  minScore: number;
  /** Absent or disabled: no tracker, unless the policy is `events` or `counts`. */
  tracking?: TrackingSettings;
  /** The camera's zones and lines (`events`, `counts`). */
  scene?: SceneSettings;
  /** Where open tracks are remembered across a crash (`events`), and under which camera and model. */
  journal?: { store: OpenEventJournal; camera: string; model: string };
}

/** Why a result was kept, or `skip`. */
export type ReportDecision = 'every' | 'changed' | 'heartbeat' | 'events' | 'counts' | 'skip';

/** What the loop does with one result: keep `record` if set, every event, and every count record. */
export interface ReportOutcome {
  /** The result with the track ids, before minScore and the keep decision (what the console draws). */
  tracked?: ResultRecord;
  decision: ReportDecision;
  record: ResultRecord | undefined;
  events: EventRecord[];
  /** `counts`: the records of intervals that ended before this result (usually none). */
  counts: CountRecord[];
}

const DEFAULT_TRACKING: TrackingSettings = { enabled: false, minHits: 3, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5 };

/** Per model and camera; remembers the last kept signature, and the tracks. */
export class ReportPolicy {
  private readonly options: ReportPolicyOptions;
  private lastSignature: string | undefined;
  private lastKeptMs = -Infinity;
  private readonly tracker: Tracker | undefined;
  private readonly events: EventPolicy | undefined;
  private readonly counts: CountPolicy | undefined;
  private closed = false;

  constructor(options: ReportPolicyOptions) {
    this.options = options;
    const tracking = options.tracking ?? DEFAULT_TRACKING;
    if (tracking.enabled || options.policy === 'events' || options.policy === 'counts') {
      this.tracker = new Tracker({ ...tracking, newId: () => newResultId() });
    }
    if (options.policy === 'events') this.events = new EventPolicy(options.scene ?? { zones: [], lines: [] }, options.heartbeatSeconds * 1000, () => newResultId());
    if (options.policy === 'counts') {
      // The schema states the interval's default; a caller that leaves it out is a bug, not a choice.
      if (options.intervalSeconds === undefined) throw new TypeError('ReportPolicy: policy "counts" needs intervalSeconds (report.intervalSeconds)');
      this.counts = new CountPolicy({ scene: options.scene ?? { zones: [], lines: [] }, intervalMs: options.intervalSeconds * 1000, newId: () => newResultId() });
    }
  }

  /** `counts`: the interval counters so far (sent, skipped, dropped); undefined for other policies. */
  countStats(): CountPolicyStats | undefined {
    return this.counts?.stats();
  }

  /** Objects the tracker follows now (tentative or confirmed); 0 without a tracker. */
  get trackedObjects(): number {
    return this.tracker?.size ?? 0;
  }

  /** A frame the gate skipped because nothing moved (at `nowMs`, counted by `counts`): tracks stand still. */
  skipped(nowMs: number): void {
    this.tracker?.still();
    if (!this.closed) this.counts?.skipped(nowMs);
  }

  /**
   * `end` events (reason `restart`) for the tracks of this camera and model that the previous run
   * left open (it crashed or was killed); empty without a journal. Call once, before the first frame.
   */
  recovered(nowMs: number): EventRecord[] {
    // The first count interval starts now, where a replaced policy's last one ended.
    this.counts?.begin(nowMs);
    const j = this.options.journal;
    if (j === undefined) return [];
    const ends = j.store.claimLeftOver(j.camera, j.model).map((last) => restartEnd(last, newResultId(), nowMs));
    if (ends.length > 0) j.store.flush();
    return ends;
  }

  /** Tracks, filters by minScore and decides; returns the record to keep (filtered) or undefined, and any events. */
  apply(record: ResultRecord, nowMs: number): ReportOutcome {
    // A frame in flight when a reconfiguration closed this policy: its tracks have ended already.
    if (this.closed) return { decision: 'skip', record: undefined, events: [], counts: [] };
    const { tracked, events } = this.track(record, nowMs);
    const outcome = this.decide(tracked, events, nowMs);
    return { ...outcome, tracked };
  }

  private decide(tracked: ResultRecord, events: EventRecord[], nowMs: number): ReportOutcome {
    this.options.journal?.store.record(events);
    if (this.counts !== undefined) {
      const counts = this.counts.due(nowMs);
      return { decision: counts.length > 0 ? 'counts' : 'skip', record: undefined, events, counts };
    }
    const filtered = this.filter(tracked);
    if (this.options.policy === 'events') return { decision: events.length > 0 ? 'events' : 'skip', record: undefined, events, counts: [] };
    const signature = signatureOf(filtered);
    let decision: ReportDecision;
    if (this.options.policy === 'every') decision = 'every';
    else if (signature !== this.lastSignature) decision = 'changed';
    else if (nowMs - this.lastKeptMs >= this.options.heartbeatSeconds * 1000) decision = 'heartbeat';
    else decision = 'skip';
    if (decision === 'skip') return { decision, record: undefined, events, counts: [] };
    this.lastSignature = signature;
    this.lastKeptMs = nowMs;
    return { decision, record: filtered, events, counts: [] };
  }

  /**
   * `counts`: the count records due at `nowMs`, each returned once: intervals that ended, and
   * after `close` the last, partial one. The camera loop asks on a timer, so intervals are sent
   * while no frame comes. Empty for other policies.
   */
  dueCounts(nowMs: number): CountRecord[] {
    return this.counts?.due(nowMs) ?? [];
  }

  /**
   * `end` events for every open track: reason `shutdown` when the agent stops, `reconfigured` when
   * a live reconfiguration replaced this policy. The policy keeps nothing after this.
   */
  close(nowMs: number, reason: EndReason = 'shutdown'): EventRecord[] {
    if (!this.closed) this.counts?.close(nowMs, reason === 'reconfigured' ? 'reconfigured' : 'shutdown');
    this.closed = true;
    const ended = this.tracker?.endAll() ?? [];
    const events = this.events?.endAll(ended, reason, nowMs) ?? [];
    this.options.journal?.store.record(events);
    return events;
  }

  private track(record: ResultRecord, nowMs: number): { tracked: ResultRecord; events: EventRecord[] } {
    if (this.tracker === undefined || !('detections' in record)) {
      this.counts?.observe(undefined, { deviceId: record.deviceId, camera: record.frame.source, model: record.model, atMs: Date.parse(record.frame.capturedAt), width: record.frame.width, height: record.frame.height }, nowMs);
      return { tracked: record, events: [] };
    }
    const atMs = Date.parse(record.frame.capturedAt);
    const step = this.tracker.update(record.detections, atMs);
    const detections = record.detections.map((d, i) => {
      const trackId = step.trackIds[i];
      return trackId === undefined ? d : { ...d, trackId };
    });
    const tracked: DetectionRecord = { ...record, detections };
    const frame = { deviceId: record.deviceId, camera: record.frame.source, model: record.model, atMs, width: record.frame.width, height: record.frame.height };
    const events = this.events?.observe(step, frame) ?? [];
    this.counts?.observe(step, frame, nowMs);
    return { tracked, events };
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
