/**
 * Turns a tracker's steps into events: `start` when a track is confirmed, `update` when it enters
 * or leaves a zone or crosses a line (and every `updateIntervalMs` while it lasts), `end` when the
 * tracker lets it go or the agent stops. Each confirmed track gets exactly one `start` and one
 * `end`. Times are the frames' capture times, so the events say when things happened, not when
 * inference got round to them.
 */
import type { EndReason, EventChange, EventRecord, LineCrossings } from '../results/event-record.js';
import { EVENT_SCHEMA_VERSION } from '../results/event-record.js';
import type { ModelRef } from '../results/result-record.js';
import { anchorOf, crossing, insidePolygon, sideOf, type NormPoint } from './geometry.js';
import { labelCounts, type SceneSettings } from './scene.js';
import type { TrackerStep, TrackView } from './tracker.js';

/** What every event of a frame shares. */
export interface FrameContext {
  deviceId: string;
  camera: string;
  model: ModelRef;
  /** Capture time of the frame (ms since the epoch). */
  atMs: number;
  width: number;
  height: number;
}

interface TrackMemory {
  zonesNow: Set<string>;
  /** Zones the object is inside but has not dwelt in long enough yet, with the time it went in. */
  pending: Map<string, number>;
  zonesEntered: string[];
  crossings: Map<string, LineCrossings>;
  /** Per line, the last anchor that was off it: a step onto the line and off again is one crossing. */
  offLine: Map<string, NormPoint>;
  lastEmitMs: number;
  lastFrame: FrameContext;
}

const NO_ZONES: ReadonlySet<string> = new Set();

/** One per camera and model, beside its tracker. */
export class EventPolicy {
  private readonly scene: SceneSettings;
  private readonly updateIntervalMs: number;
  private readonly newId: () => string;
  private readonly memory = new Map<string, TrackMemory>();

  constructor(scene: SceneSettings, updateIntervalMs: number, newId: () => string) {
    this.scene = scene;
    this.updateIntervalMs = updateIntervalMs;
    this.newId = newId;
  }

  /** Tracks started and not yet ended. */
  get openTracks(): number {
    return this.memory.size;
  }

  /** Zones the confirmed track `trackId` is in now (after their dwell time); empty for a track not started (read by count-policy.ts). */
  zonesOf(trackId: string): ReadonlySet<string> {
    return this.memory.get(trackId)?.zonesNow ?? NO_ZONES;
  }

  /** The events of one inferred frame. */
  observe(step: TrackerStep, frame: FrameContext): EventRecord[] {
    const events: EventRecord[] = [];
    for (const t of step.matched) {
      const id = t.id as string;
      let mem = this.memory.get(id);
      const started = mem === undefined;
      if (mem === undefined) {
        mem = { zonesNow: new Set(), pending: new Map(), zonesEntered: [], crossings: new Map(), offLine: new Map(), lastEmitMs: frame.atMs, lastFrame: frame };
        this.memory.set(id, mem);
      }
      mem.lastFrame = frame;
      const changes = this.move(t, mem, frame);
      if (started) {
        events.push(this.event('start', t, mem, frame, frame.atMs));
      } else if (changes.length > 0) {
        events.push({ ...this.event('update', t, mem, frame, frame.atMs), changes });
      } else if (frame.atMs - mem.lastEmitMs >= this.updateIntervalMs) {
        events.push({ ...this.event('update', t, mem, frame, frame.atMs), changes: [{ type: 'periodic' }] });
      } else {
        continue;
      }
      mem.lastEmitMs = frame.atMs;
    }
    for (const t of step.ended) {
      const end = this.end(t, 'lost', frame.atMs);
      if (end !== undefined) events.push(end);
    }
    return events;
  }

  /** `end` events for `tracks` ended for `reason` (the agent stopping). */
  endAll(tracks: readonly TrackView[], reason: EndReason, atMs: number): EventRecord[] {
    const events: EventRecord[] = [];
    for (const t of tracks) {
      const end = this.end(t, reason, atMs);
      if (end !== undefined) events.push(end);
    }
    return events;
  }

  private end(t: TrackView, reason: EndReason, atMs: number): EventRecord | undefined {
    const id = t.id as string;
    const mem = this.memory.get(id);
    // A track confirmed and ended within one frame never started; nothing to end.
    if (mem === undefined) return undefined;
    this.memory.delete(id);
    mem.zonesNow.clear();
    const base = this.event('end', t, mem, mem.lastFrame, atMs);
    return { ...base, endedAt: new Date(t.lastSeenMs).toISOString(), durationMs: t.lastSeenMs - t.firstSeenMs, reason };
  }

  /** Moves the track's anchor: zone entries and exits, line crossings. */
  private move(t: TrackView, mem: TrackMemory, frame: FrameContext): EventChange[] {
    const changes: EventChange[] = [];
    const anchor = anchorOf(t.box, frame.width, frame.height);
    for (const zone of this.scene.zones) {
      if (!labelCounts(zone.labels, t.label)) continue;
      const inside = insidePolygon(anchor, zone.polygon);
      if (inside && !mem.zonesNow.has(zone.name)) {
        const since = mem.pending.get(zone.name) ?? frame.atMs;
        if (frame.atMs - since >= zone.minDwellMs) {
          mem.pending.delete(zone.name);
          mem.zonesNow.add(zone.name);
          if (!mem.zonesEntered.includes(zone.name)) mem.zonesEntered.push(zone.name);
          changes.push({ type: 'zone-entered', zone: zone.name });
        } else {
          mem.pending.set(zone.name, since);
        }
      } else if (!inside) {
        mem.pending.delete(zone.name);
        if (mem.zonesNow.delete(zone.name)) changes.push({ type: 'zone-left', zone: zone.name });
      }
    }
    for (const line of this.scene.lines) {
      if (!labelCounts(line.labels, t.label)) continue;
      if (sideOf(anchor, line.from, line.to) === 0) continue; // on the line: decided when it leaves
      const last = mem.offLine.get(line.name);
      mem.offLine.set(line.name, anchor);
      if (last === undefined) continue;
      const direction = crossing(last, anchor, line.from, line.to);
      if (direction === undefined) continue;
      const counts = mem.crossings.get(line.name) ?? { line: line.name, forward: 0, backward: 0 };
      counts[direction]++;
      mem.crossings.set(line.name, counts);
      changes.push({ type: 'line-crossed', line: line.name, direction });
    }
    return changes;
  }

  private event(type: EventRecord['type'], t: TrackView, mem: TrackMemory, frame: FrameContext, atMs: number): EventRecord {
    return {
      schemaVersion: EVENT_SCHEMA_VERSION,
      kind: 'event',
      type,
      resultId: this.newId(),
      trackId: t.id as string,
      deviceId: frame.deviceId,
      camera: frame.camera,
      model: frame.model,
      label: t.label,
      score: t.score,
      bestScore: t.bestScore,
      box: { ...t.box },
      zones: [...mem.zonesNow],
      zonesEntered: [...mem.zonesEntered],
      lineCrossings: [...mem.crossings.values()].map((c) => ({ ...c })),
      startedAt: new Date(t.firstSeenMs).toISOString(),
      at: new Date(atMs).toISOString(),
    };
  }
}
