/**
 * A multi-object tracker in the manner of ByteTrack: each track predicts its box with a constant
 * velocity, detections are matched to tracks by IoU in two stages (confident detections first,
 * then the weak ones against the tracks still unmatched, which keeps a partly hidden object on
 * its track instead of starting a new one), a track is confirmed after `minHits` matches and ends
 * after `maxMissedFrames` inferred frames without one. At one frame per second a small person
 * walking moves further than their own width between frames, so boxes no longer overlap: a last
 * stage matches what is left by the distance of centres, within 1.5 box sizes of the prediction.
 * Matching is greedy, best pair first:
 * with the few objects a camera sees, it agrees with the Hungarian assignment in practice and
 * costs microseconds. One tracker per camera and model.
 */
import type { Box, Detection } from '../results/result-record.js';
import { iou } from './geometry.js';

/** How tracks are made, kept and ended. */
export interface TrackerOptions {
  /** Matches a track needs before it is confirmed (given an id). */
  minHits: number;
  /** A track with no match in this many inferred frames in a row ends. */
  maxMissedFrames: number;
  /** Least IoU between a predicted box and a detection for them to be matched. */
  minIou: number;
  /** Detections at or above this score start tracks and are matched first; weaker ones only extend tracks. */
  highScore: number;
  /** Makes the id of a newly confirmed track; unique per device. */
  newId: () => string;
}

/** A track as the rest of the pipeline sees it. */
export interface TrackView {
  /** Set once the track is confirmed. */
  readonly id: string | undefined;
  readonly label: string;
  /** The last matched box (source pixels). */
  readonly box: Box;
  readonly score: number;
  readonly bestScore: number;
  readonly hits: number;
  /** Inferred frames since the last match (0 when matched in this frame). */
  readonly missed: number;
  /** Capture time (ms) of the first and of the last frame the object was matched in. */
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/** What one inferred frame did to the tracks. */
export interface TrackerStep {
  /** For each input detection, the confirmed track id it belongs to (undefined when none). */
  trackIds: (string | undefined)[];
  /** Tracks confirmed in this frame. */
  confirmed: TrackView[];
  /** Confirmed tracks matched in this frame (including the ones just confirmed). */
  matched: TrackView[];
  /** Confirmed tracks that ended in this frame. */
  ended: TrackView[];
}

/** How far (in box sizes) from its prediction a track may find its object in the distance stage. */
const DISTANCE_REACH = 1.5;

function centreDistance(a: Box, b: Box): number {
  return Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
}

class Track implements TrackView {
  id: string | undefined;
  label: string;
  box: Box;
  score: number;
  bestScore: number;
  hits = 1;
  missed = 0;
  /** Centre velocity in pixels per inferred frame. */
  vx = 0;
  vy = 0;
  /** The box moved by the velocity, where the object is expected in the next frame. */
  predicted: Box;
  firstSeenMs: number;
  lastSeenMs: number;

  constructor(d: Detection, atMs: number) {
    this.firstSeenMs = atMs;
    this.lastSeenMs = atMs;
    this.label = d.label;
    this.box = { ...d.box };
    this.predicted = { ...d.box };
    this.score = d.score;
    this.bestScore = d.score;
  }

  predict(): void {
    const steps = this.missed + 1;
    this.predicted = { ...this.box, x: this.box.x + this.vx * steps, y: this.box.y + this.vy * steps };
  }

  match(d: Detection, atMs: number): void {
    this.lastSeenMs = atMs;
    const steps = this.missed + 1;
    const cx = (b: Box) => b.x + b.width / 2;
    const cy = (b: Box) => b.y + b.height / 2;
    // Smoothed velocity: half the new displacement, half the old estimate (an alpha-beta filter).
    const mx = (cx(d.box) - cx(this.box)) / steps;
    const my = (cy(d.box) - cy(this.box)) / steps;
    this.vx = this.hits === 1 ? mx : 0.5 * this.vx + 0.5 * mx;
    this.vy = this.hits === 1 ? my : 0.5 * this.vy + 0.5 * my;
    this.box = { ...d.box };
    this.score = d.score;
    this.bestScore = Math.max(this.bestScore, d.score);
    this.hits++;
    this.missed = 0;
  }
}

/** Tracks of one camera and model. */
export class Tracker {
  private readonly options: TrackerOptions;
  private tracks: Track[] = [];

  constructor(options: TrackerOptions) {
    this.options = options;
  }

  /** Tracks alive now (confirmed or not): the gate infers again while there are any. */
  get size(): number {
    return this.tracks.length;
  }

  /** The confirmed tracks alive now. */
  confirmedTracks(): TrackView[] {
    return this.tracks.filter((t) => t.id !== undefined);
  }

  /**
   * A frame the motion gate skipped: nothing moved, so every track stands still. Stopping the
   * velocity keeps the prediction on the object when inference resumes after a still spell.
   */
  still(): void {
    for (const t of this.tracks) {
      t.vx = 0;
      t.vy = 0;
    }
  }

  /** Matches one inferred frame's detections (captured at `atMs`) to the tracks. */
  update(detections: readonly Detection[], atMs: number): TrackerStep {
    const o = this.options;
    for (const t of this.tracks) t.predict();
    const trackIds: (string | undefined)[] = detections.map(() => undefined);
    const owner = new Map<number, Track>();
    const high = detections.map((d, i) => i).filter((i) => (detections[i] as Detection).score >= o.highScore);
    const low = detections.map((d, i) => i).filter((i) => (detections[i] as Detection).score < o.highScore);
    const unmatched = this.assign(this.tracks, high, detections, owner);
    // Second stage: weak detections may only extend tracks already established.
    const established = unmatched.filter((t) => t.hits > 1 || t.id !== undefined);
    const left = this.assign(established, low, detections, owner);
    // Third stage: no overlap left to go by; the nearest confident detection within reach.
    this.assign(left.concat(unmatched.filter((t) => !established.includes(t))), high, detections, owner, 'distance');
    const confirmed: Track[] = [];
    for (const [i, t] of owner) {
      t.match(detections[i] as Detection, atMs);
      if (t.id === undefined && t.hits >= o.minHits) {
        t.id = o.newId();
        confirmed.push(t);
      }
      trackIds[i] = t.id;
    }
    const matchedSet = new Set(owner.values());
    const ended: Track[] = [];
    const kept: Track[] = [];
    for (const t of this.tracks) {
      if (!matchedSet.has(t)) {
        t.missed++;
        // A track not yet confirmed is dropped at its first miss (SORT): a false detection
        // does not linger, and a real object starts a new track at once.
        if (t.id === undefined || t.missed > o.maxMissedFrames) {
          if (t.id !== undefined) ended.push(t);
          continue;
        }
      }
      kept.push(t);
    }
    const claimed = new Set(owner.keys());
    for (const i of high) {
      if (claimed.has(i)) continue;
      const t = new Track(detections[i] as Detection, atMs);
      if (o.minHits <= 1) {
        t.id = o.newId();
        confirmed.push(t);
        matchedSet.add(t);
        trackIds[i] = t.id;
      }
      kept.push(t);
    }
    this.tracks = kept;
    return { trackIds, confirmed, matched: [...matchedSet].filter((t) => t.id !== undefined), ended };
  }

  /** Ends every confirmed track (shutdown); returns them. */
  endAll(): TrackView[] {
    const ended = this.confirmedTracks();
    this.tracks = [];
    return ended;
  }

  /** Greedy IoU matching of `tracks` to the detections `indices`; returns the tracks left unmatched. */
  private assign(tracks: Track[], indices: number[], detections: readonly Detection[], owner: Map<number, Track>, by: 'iou' | 'distance' = 'iou'): Track[] {
    const pairs: { iou: number; t: Track; i: number }[] = [];
    const taken = new Set(owner.values());
    for (const t of tracks) {
      if (taken.has(t)) continue;
      for (const i of indices) {
        const d = detections[i] as Detection;
        if (d.label !== t.label) continue;
        if (owner.has(i)) continue;
        // Both measures as "higher is better": IoU, or 1 - distance / reach.
        const v = by === 'iou' ? iou(t.predicted, d.box) : 1 - centreDistance(t.predicted, d.box) / (DISTANCE_REACH * Math.max(t.predicted.width, t.predicted.height));
        if (by === 'iou' ? v >= this.options.minIou : v > 0) pairs.push({ iou: v, t, i });
      }
    }
    pairs.sort((a, b) => b.iou - a.iou);
    for (const p of pairs) {
      if (taken.has(p.t) || owner.has(p.i)) continue;
      owner.set(p.i, p.t);
      taken.add(p.t);
    }
    return tracks.filter((t) => !taken.has(t));
  }
}
