/**
 * Compares what the pipeline produced with a sequence's ground truth: which track followed each
 * person and how steadily, which zone and line events each person's track reported against the
 * expected ones, and which frames the gate skipped although someone moved.
 */
import type { GateDecision } from '../../../agent/pipeline/change-gate.js';
import type { EventRecord } from '../../../agent/results/event-record.js';
import type { Box, DetectionRecord } from '../../../agent/results/result-record.js';
import type { GroundTruthSequence } from './sequence.js';
import type { ExpectedChange } from './truth.js';

/** Least IoU for a detection to count as a person's. */
export const MATCH_IOU = 0.3;

function iouOf(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
}

/** How one person was tracked. */
export interface PersonTracking {
  person: string;
  /** Inferred frames the person was in. */
  inferredFrames: number;
  /** Of those, frames where a detection with a track id matched the person. */
  trackedFrames: number;
  /** The id that matched the person most often. */
  mainId: string | undefined;
  /** Frames the main id matched the person. */
  mainIdFrames: number;
  /** From the main id's first to its last match, as a share of the person's inferred frames: how much of their life it covered. */
  mainIdSpan: number;
  /** Distinct ids that matched the person. */
  ids: number;
  /** Times the id matched to the person changed from one tracked frame to the next. */
  idSwitches: number;
}

/**
 * Per person, the tracks that followed them, from `records` (per frame, detections carrying
 * `trackId`; undefined for frames not inferred). Each person is matched to the detection with the
 * best IoU, one detection per person, best pairs first.
 */
export function scoreTracking(sequence: GroundTruthSequence, records: readonly (DetectionRecord | undefined)[]): PersonTracking[] {
  const seen = new Map<string, { frame: number; id: string | undefined }[]>(sequence.people.map((p) => [p, []]));
  for (let f = 0; f < sequence.frames; f++) {
    const record = records[f];
    if (record === undefined) continue;
    const pairs: { person: string; det: number; iou: number }[] = [];
    for (const t of sequence.truth[f] ?? []) {
      record.detections.forEach((d, i) => {
        const v = iouOf(t.box, d.box);
        if (v >= MATCH_IOU) pairs.push({ person: t.person, det: i, iou: v });
      });
    }
    pairs.sort((a, b) => b.iou - a.iou);
    const taken = new Set<number>();
    const matched = new Map<string, string | undefined>();
    for (const p of pairs) {
      if (taken.has(p.det) || matched.has(p.person)) continue;
      taken.add(p.det);
      matched.set(p.person, record.detections[p.det]?.trackId);
    }
    for (const t of sequence.truth[f] ?? []) {
      // Where two people's boxes overlap, which of them a single detection belongs to is a matter
      // of opinion (the detector often returns one box for both): such frames count as inferred
      // but not as tracked, so an identity is judged before and after the overlap, where a real
      // swap shows.
      const overlapped = (sequence.truth[f] ?? []).some((o) => o.person !== t.person && iouOf(o.box, t.box) > 0);
      seen.get(t.person)?.push({ frame: f, id: overlapped ? undefined : matched.get(t.person) });
    }
  }
  return sequence.people.map((person) => {
    const frames = seen.get(person) ?? [];
    const tracked = frames.filter((x): x is { frame: number; id: string } => x.id !== undefined);
    const counts = new Map<string, number>();
    for (const x of tracked) counts.set(x.id, (counts.get(x.id) ?? 0) + 1);
    const main = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    const mine = frames.map((x, i) => ({ ...x, i })).filter((x) => main !== undefined && x.id === main[0]);
    const span = mine.length === 0 ? 0 : ((mine[mine.length - 1]?.i ?? 0) - (mine[0]?.i ?? 0) + 1) / Math.max(1, frames.length);
    let switches = 0;
    for (let i = 1; i < tracked.length; i++) if (tracked[i]?.id !== tracked[i - 1]?.id) switches++;
    return { person, inferredFrames: frames.length, trackedFrames: tracked.length, mainId: main?.[0], mainIdFrames: main?.[1] ?? 0, mainIdSpan: span, ids: counts.size, idSwitches: switches };
  });
}

/** How one person's events came out. */
export interface PersonEvents {
  person: string;
  /** Event tracks attributed to this person (normally 1). */
  tracks: string[];
  expected: readonly ExpectedChange[];
  /** Zone and line changes the person's tracks reported, in order (a zone the track started in counts as entered). */
  reported: ExpectedChange[];
  /** Expected changes not reported (in order: the longest common subsequence decides). */
  missed: number;
  /** Reported changes not expected. */
  extra: number;
}

/** What the events policy reported, against the truth. */
export interface EventScore {
  people: PersonEvents[];
  /** Tracks that started and matched no person (false detections followed long enough to start). */
  strayTracks: number;
  /** Tracks with a `start` and no `end`, or the other way round. */
  unpaired: number;
}

function key(c: ExpectedChange): string {
  return c.type === 'line-crossed' ? `${c.type}:${c.line}:${c.direction}` : `${c.type}:${c.zone}`;
}

function commonInOrder(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) (dp[i] as number[])[j] = a[i - 1] === b[j - 1] ? ((dp[i - 1] as number[])[j - 1] as number) + 1 : Math.max((dp[i - 1] as number[])[j] as number, (dp[i] as number[])[j - 1] as number);
  return (dp[a.length] as number[])[b.length] as number;
}

/**
 * Attributes each event track to the person its events' boxes overlap most (each event's box is
 * the track's last matched box, at the frame of the event's `at`), then compares changes.
 */
export function scoreEvents(sequence: GroundTruthSequence, events: readonly EventRecord[], startMs: number): EventScore {
  const byTrack = new Map<string, EventRecord[]>();
  for (const e of events) byTrack.set(e.trackId, [...(byTrack.get(e.trackId) ?? []), e]);
  const owner = new Map<string, string>();
  let strayTracks = 0;
  let unpaired = 0;
  for (const [trackId, list] of byTrack) {
    if (list.filter((e) => e.type === 'start').length !== 1 || list.filter((e) => e.type === 'end').length !== 1) unpaired++;
    const votes = new Map<string, number>();
    for (const e of list) {
      // An end's box and `at` are the last match's; `endedAt` is that frame's time.
      const at = Date.parse(e.type === 'end' ? (e.endedAt ?? e.at) : e.at);
      const f = Math.round((at - startMs) / sequence.frameIntervalMs);
      let best: { person: string; iou: number } | undefined;
      for (const t of sequence.truth[f] ?? []) {
        const v = iouOf(t.box, e.box);
        if (v >= MATCH_IOU && (best === undefined || v > best.iou)) best = { person: t.person, iou: v };
      }
      if (best !== undefined) votes.set(best.person, (votes.get(best.person) ?? 0) + 1);
    }
    const top = [...votes.entries()].sort((a, b) => b[1] - a[1])[0];
    if (top === undefined) strayTracks++;
    else owner.set(trackId, top[0]);
  }
  const people = sequence.people.map((person) => {
    const tracks = [...owner.entries()].filter(([, p]) => p === person).map(([id]) => id);
    const reported: ExpectedChange[] = [];
    for (const id of tracks) {
      for (const e of byTrack.get(id) ?? []) {
        if (e.type === 'start') for (const zone of e.zones) reported.push({ type: 'zone-entered', zone });
        for (const c of e.changes ?? []) if (c.type !== 'periodic') reported.push(c);
      }
    }
    const expected = sequence.expected.get(person) ?? [];
    const common = commonInOrder(expected.map(key), reported.map(key));
    return { person, tracks, expected, reported, missed: expected.length - common, extra: reported.length - common };
  });
  return { people, strayTracks, unpaired };
}

/** Frames the gate skipped although a person appeared or moved (`moved`), or only vanished (`vanished`). */
export interface GateMisses {
  moved: number[];
  vanished: number[];
}

/**
 * Frames where the gate skipped inference although someone appeared or moved, and frames it
 * skipped where someone only vanished (nothing new to see there; the tracked re-inference
 * interval is what ends their track).
 */
export function gateMisses(sequence: GroundTruthSequence, decisions: readonly (GateDecision | undefined)[]): GateMisses {
  const out: GateMisses = { moved: [], vanished: [] };
  for (let f = 1; f < sequence.frames; f++) {
    if (decisions[f]?.pass !== false) continue;
    const before = new Map((sequence.truth[f - 1] ?? []).map((t) => [t.person, t.box]));
    const now = sequence.truth[f] ?? [];
    const moved = now.some((t) => {
      const a = before.get(t.person);
      return a === undefined || a.x !== t.box.x || a.y !== t.box.y;
    });
    if (moved) out.moved.push(f);
    else if ([...before.keys()].some((p) => !now.some((t) => t.person === p))) out.vanished.push(f);
  }
  return out;
}

/** `changes` as text, for messages: `door forward, bay entered`. */
export function describe(changes: readonly ExpectedChange[]): string {
  return changes.map((c) => (c.type === 'line-crossed' ? `${c.line} ${c.direction}` : `${c.zone} ${c.type === 'zone-entered' ? 'entered' : 'left'}`)).join(', ') || '(none)';
}
