/**
 * Folds a tracker's steps into one count record per interval (`report.policy: counts`): distinct
 * confirmed tracks per label, per zone and label, line crossings per line, label and direction,
 * and the most tracks of a label matched in one frame. Zones and lines are decided by an inner
 * EventPolicy, so dwell times, label filters and the one-crossing-per-step rule are the same as
 * the `events` policy's; its events are read here and never published.
 *
 * Intervals are aligned to multiples of the interval since the Unix epoch (UTC): with 60 s, every
 * minute on the minute. Frames count in the interval open when their inference finished (the time
 * the caller passes), so a frame captured just before a boundary may count in the next interval.
 * An interval with nothing seen is still sent. The first interval starts when the policy begins
 * (partial, `started`), the last ends when it is closed (partial, `shutdown` or `reconfigured`),
 * and in between each message starts where the previous one ended.
 */
import type { CountRecord, LineCount, PartialReason } from '../results/count-record.js';
import { COUNT_SCHEMA_VERSION } from '../results/count-record.js';
import type { ModelRef } from '../results/result-record.js';
import { EventPolicy, type FrameContext } from './event-policy.js';
import type { SceneSettings } from './scene.js';
import type { TrackerStep } from './tracker.js';

/** More elapsed intervals than this at once (a clock jump, a suspended device) are not sent one by one: the time gap shows them. */
export const MAX_CATCH_UP_INTERVALS = 1000;

/** Closed intervals held while the policy does not yet know its device and model (before its first inferred frame); the oldest go first. */
export const MAX_HELD_INTERVALS = 1000;

/** How a CountPolicy is set up. */
export interface CountPolicyOptions {
  /** The camera's zones and lines. */
  scene: SceneSettings;
  /** Interval length in ms (`report.intervalSeconds` x 1000). */
  intervalMs: number;
  /** Makes each message's resultId. */
  newId: () => string;
}

/** Counters of one count policy. */
export interface CountPolicyStats {
  /** Records handed out by `due`. */
  intervalsSent: number;
  /** Elapsed intervals not sent because more than MAX_CATCH_UP_INTERVALS passed at once. */
  intervalsSkipped: number;
  /** Closed intervals dropped because more than MAX_HELD_INTERVALS waited for the first inferred frame. */
  intervalsDropped: number;
}

/** Who the records are about; learned from the results. */
interface Identity {
  deviceId: string;
  camera: string;
  model: ModelRef;
}

/** One interval being counted, or closed and waiting to be sent. */
interface Tally {
  startMs: number;
  /** The aligned end; a closed tally's `endMs` may be earlier. */
  windowEndMs: number;
  endMs: number;
  partialReason: PartialReason | undefined;
  framesInferred: number;
  framesSkipped: number;
  /** Per label: track ids seen, and the most matched in one frame. */
  labels: Map<string, { tracks: Set<string>; maxAtOnce: number }>;
  /** Per zone and label (key `zone\nlabel`): track ids inside. */
  zones: Map<string, { zone: string; label: string; tracks: Set<string> }>;
  /** Per line and label (key `line\nlabel`). */
  lines: Map<string, LineCount>;
}

/** One per camera and model with `report.policy: counts`, beside its tracker. */
export class CountPolicy {
  private readonly intervalMs: number;
  private readonly newId: () => string;
  private readonly scenePolicy: EventPolicy;
  private current: Tally | undefined;
  private readonly held: Tally[] = [];
  private identity: Identity | undefined;
  private closed = false;
  private readonly counters: CountPolicyStats = { intervalsSent: 0, intervalsSkipped: 0, intervalsDropped: 0 };

  constructor(options: CountPolicyOptions) {
    this.intervalMs = options.intervalMs;
    this.newId = options.newId;
    // No periodic updates: only starts, zone and line changes and ends come out, and are read here.
    this.scenePolicy = new EventPolicy(options.scene, Infinity, () => '');
  }

  /** Starts counting at `nowMs` (the first interval is partial unless `nowMs` is on a boundary); later calls do nothing. */
  begin(nowMs: number): void {
    if (this.current !== undefined || this.closed) return;
    const windowStartMs = this.alignDown(nowMs);
    this.current = this.tally(nowMs, windowStartMs + this.intervalMs, nowMs > windowStartMs ? 'started' : undefined);
  }

  /**
   * One inferred frame, its inference finished at `nowMs`: counts the confirmed tracks `step`
   * matched (undefined for a result without detections, which still counts as a frame).
   */
  observe(step: TrackerStep | undefined, frame: FrameContext, nowMs: number): void {
    if (this.closed) return;
    this.roll(nowMs);
    this.identity = { deviceId: frame.deviceId, camera: frame.camera, model: frame.model };
    const t = this.current as Tally;
    t.framesInferred++;
    if (step === undefined) return;
    const events = this.scenePolicy.observe(step, frame);
    const atOnce = new Map<string, number>();
    for (const track of step.matched) {
      const id = track.id as string;
      let label = t.labels.get(track.label);
      if (label === undefined) {
        label = { tracks: new Set(), maxAtOnce: 0 };
        t.labels.set(track.label, label);
      }
      label.tracks.add(id);
      atOnce.set(track.label, (atOnce.get(track.label) ?? 0) + 1);
      for (const zone of this.scenePolicy.zonesOf(id)) {
        const key = `${zone}\n${track.label}`;
        let z = t.zones.get(key);
        if (z === undefined) {
          z = { zone, label: track.label, tracks: new Set() };
          t.zones.set(key, z);
        }
        z.tracks.add(id);
      }
    }
    for (const [label, n] of atOnce) {
      const entry = t.labels.get(label);
      if (entry !== undefined && n > entry.maxAtOnce) entry.maxAtOnce = n;
    }
    for (const e of events) {
      for (const c of e.changes ?? []) {
        if (c.type !== 'line-crossed') continue;
        const key = `${c.line}\n${e.label}`;
        let l = t.lines.get(key);
        if (l === undefined) {
          l = { line: c.line, label: e.label, forward: 0, backward: 0 };
          t.lines.set(key, l);
        }
        l[c.direction]++;
      }
    }
  }

  /** A frame the change gate skipped at `nowMs`. */
  skipped(nowMs: number): void {
    if (this.closed) return;
    this.roll(nowMs);
    (this.current as Tally).framesSkipped++;
  }

  /**
   * The records due at `nowMs`: every interval that ended by then, and after `close` the last,
   * partial one. Each is returned once. Empty until the first inferred frame has told the policy
   * its device and model (intervals closed before are held, then returned).
   */
  due(nowMs: number): CountRecord[] {
    if (!this.closed) this.roll(nowMs);
    const identity = this.identity;
    if (identity === undefined || this.held.length === 0) return [];
    const out = this.held.splice(0).map((t) => this.record(t, identity));
    this.counters.intervalsSent += out.length;
    return out;
  }

  /** Ends counting at `nowMs`: the interval open now closes there (partial, `reason`); `due` returns it. */
  close(nowMs: number, reason: 'shutdown' | 'reconfigured'): void {
    if (this.closed) return;
    this.roll(nowMs);
    this.closed = true;
    const t = this.current as Tally;
    this.current = undefined;
    // A policy closed the instant it began covered no time: nothing to say.
    if (nowMs <= t.startMs) return;
    t.endMs = Math.min(nowMs, t.windowEndMs);
    t.partialReason = reason;
    this.hold(t);
  }

  /** Counters, for tests and the status. */
  stats(): CountPolicyStats {
    return { ...this.counters };
  }

  private alignDown(ms: number): number {
    return Math.floor(ms / this.intervalMs) * this.intervalMs;
  }

  /** Closes every interval that ended by `nowMs` and opens the one `nowMs` is in. */
  private roll(nowMs: number): void {
    this.begin(nowMs);
    let t = this.current as Tally;
    // A clock set back leaves the open interval open until the clock passes its end again.
    if (nowMs < t.windowEndMs) return;
    this.hold(t);
    const elapsed = Math.floor((nowMs - t.windowEndMs) / this.intervalMs);
    let startMs = t.windowEndMs;
    if (elapsed > MAX_CATCH_UP_INTERVALS) {
      this.counters.intervalsSkipped += elapsed;
      startMs += elapsed * this.intervalMs;
    } else {
      for (let i = 0; i < elapsed; i++, startMs += this.intervalMs) this.hold(this.tally(startMs, startMs + this.intervalMs, undefined));
    }
    t = this.tally(startMs, startMs + this.intervalMs, undefined);
    this.current = t;
  }

  private hold(t: Tally): void {
    this.held.push(t);
    if (this.held.length > MAX_HELD_INTERVALS) {
      this.held.shift();
      this.counters.intervalsDropped++;
    }
  }

  private tally(startMs: number, windowEndMs: number, partialReason: PartialReason | undefined): Tally {
    return { startMs, windowEndMs, endMs: windowEndMs, partialReason, framesInferred: 0, framesSkipped: 0, labels: new Map(), zones: new Map(), lines: new Map() };
  }

  private record(t: Tally, who: Identity): CountRecord {
    const partial = t.endMs - t.startMs < this.intervalMs;
    const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return {
      schemaVersion: COUNT_SCHEMA_VERSION,
      kind: 'counts',
      resultId: this.newId(),
      deviceId: who.deviceId,
      camera: who.camera,
      model: { ...who.model },
      intervalStart: new Date(t.startMs).toISOString(),
      intervalEnd: new Date(t.endMs).toISOString(),
      intervalSeconds: this.intervalMs / 1000,
      partial,
      ...(partial && t.partialReason !== undefined ? { partialReason: t.partialReason } : {}),
      framesInferred: t.framesInferred,
      framesSkipped: t.framesSkipped,
      labels: [...t.labels.entries()].sort(([a], [b]) => byName(a, b)).map(([label, l]) => ({ label, tracks: l.tracks.size, maxAtOnce: l.maxAtOnce })),
      zones: [...t.zones.values()].sort((a, b) => byName(a.zone, b.zone) || byName(a.label, b.label)).map((z) => ({ zone: z.zone, label: z.label, tracks: z.tracks.size })),
      lines: [...t.lines.values()].sort((a, b) => byName(a.line, b.line) || byName(a.label, b.label)).map((l) => ({ ...l })),
    };
  }
}
