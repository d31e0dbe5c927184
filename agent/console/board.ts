/**
 * The console's picture board: the frame tap the camera loops call, and the pictures made from
 * it. With no viewer the tap is inactive and the loops give it nothing. With one, each loop hands
 * over a reference to the frame it just processed (replacing the previous one: one frame per
 * camera is held, never queued), and `refresh()`, run once per `frameIntervalMs`, encodes each
 * camera's newest frame with its overlay, so at most one JPEG per camera per interval. That
 * picture carries the detections (with track ids and each track's recent path); the zones and
 * lines the page draws itself, and latest.jpg gets them composited on request, once per picture.
 */
import type { Frame } from '../capture/frame.js';
import type { FrameTap } from '../pipeline/camera-loop.js';
import type { ClassScore, Point, ResultRecord } from '../results/result-record.js';
import { addScene, renderOverlay, type DrawnDetection } from './overlay.js';
import { NO_SCENE, sceneEmpty, zoneOccupancy, type SceneView } from './scene-view.js';

/** Positions kept per track for its drawn path, and tracks followed per camera. */
const TRAIL_POINTS = 16;
const TRAIL_TRACKS = 64;

/** What the page and `/api/state` show of one camera's picture. */
export interface PictureState {
  /** Increases with each new picture; the page reloads the image when it changes. */
  version: number;
  frameSeq: number;
  capturedAt: string;
  width: number;
  height: number;
  /** The frame's own size (detection boxes are in its pixels; the picture may be scaled down). */
  sourceWidth: number;
  sourceHeight: number;
  detections: DrawnDetection[];
  /** Objects standing in each zone on this frame (bottom centre of the box inside; label filters applied). */
  occupancy: Record<string, number>;
  classes: (ClassScore & { model: string })[];
  /** Pre- plus post-processing plus inference, summed over the camera's models, for the drawn frame. */
  inferenceMs: number | null;
  /** Whether the change gate let the newest frame through (`skipped`: the drawn results are of an earlier frame). */
  gate: 'passed' | 'skipped';
}

interface Slot {
  /** The newest frame not yet drawn; dropped once drawn, so only the JPEG stays. */
  pending: Frame | undefined;
  records: readonly ResultRecord[];
  gate: 'passed' | 'skipped';
  picture: PictureState | undefined;
  jpeg: Buffer | undefined;
  /** Recent bottom-centre positions of each track in the drawn frames. */
  trails: Map<string, Point[]>;
  /** latest.jpg with the zones and lines, made for the picture of `version`. */
  withScene: { version: number; jpeg: Buffer } | undefined;
}

/** Drawing each camera's newest frame while someone watches. */
export class FrameBoard implements FrameTap {
  /** Read by every camera loop once per frame. */
  active = false;
  /** JPEGs encoded since start (`/api/state` shows it; the benchmark counts it). */
  encodes = 0;
  /** Frames that could not be drawn (a corrupt JPEG the model also refused). */
  failures = 0;
  private readonly slots = new Map<string, Slot>();
  private waiters: (() => void)[] = [];
  private refreshing = false;
  /** The zones and lines of a camera, as configured now; set once the agent runs. */
  sceneOf: (camera: string) => SceneView = () => NO_SCENE;

  /** FrameTap: keeps a reference to the newest frame and its records; nothing is copied or encoded here. */
  offer(camera: string, frame: Frame, skipped: boolean, records: readonly ResultRecord[]): void {
    let slot = this.slots.get(camera);
    if (slot === undefined) this.slots.set(camera, (slot = { pending: undefined, records: [], gate: 'passed', picture: undefined, jpeg: undefined, trails: new Map(), withScene: undefined }));
    slot.pending = frame;
    slot.gate = skipped ? 'skipped' : 'passed';
    // A skipped frame looks like the last inferred one: its detections still stand.
    if (!skipped) slot.records = records;
  }

  /** Turns the tap on or off. Off lets go of every frame still held. */
  setActive(active: boolean): void {
    this.active = active;
    if (!active) for (const slot of this.slots.values()) slot.pending = undefined;
  }

  /** The newest picture of `camera` and its JPEG, if one was drawn. */
  picture(camera: string): { state: PictureState; jpeg: Buffer } | undefined {
    const slot = this.slots.get(camera);
    return slot?.picture === undefined || slot.jpeg === undefined ? undefined : { state: slot.picture, jpeg: slot.jpeg };
  }

  /**
   * The newest picture with the camera's zones and lines drawn over it (for latest.jpg): one more
   * decode and encode, made at most once per picture and counted in `encodes`.
   */
  async pictureWithScene(camera: string): Promise<{ state: PictureState; jpeg: Buffer } | undefined> {
    const slot = this.slots.get(camera);
    const picture = slot?.picture;
    if (slot === undefined || picture === undefined || slot.jpeg === undefined) return undefined;
    const scene = this.sceneOf(camera);
    if (sceneEmpty(scene)) return { state: picture, jpeg: slot.jpeg };
    if (slot.withScene?.version !== picture.version) {
      slot.withScene = { version: picture.version, jpeg: await addScene(slot.jpeg, scene, picture.occupancy) };
      this.encodes++;
    }
    return { state: picture, jpeg: slot.withScene.jpeg };
  }

  /** Forgets cameras no longer configured. */
  keepOnly(cameras: readonly string[]): void {
    for (const name of this.slots.keys()) if (!cameras.includes(name)) this.slots.delete(name);
  }

  /** Resolves after the next `refresh()` finishes, or after `timeoutMs`. */
  nextRefresh(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Draws every camera's newest undrawn frame (one encode per camera); never throws. */
  async refresh(): Promise<void> {
    if (this.refreshing) return; // the previous interval's encodes are still running: skip, never pile up
    this.refreshing = true;
    try {
      for (const [camera, slot] of this.slots) {
        const frame = slot.pending;
        if (frame === undefined) continue;
        slot.pending = undefined;
        await this.draw(camera, slot, frame);
      }
    } finally {
      this.refreshing = false;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  private async draw(camera: string, slot: Slot, frame: Frame): Promise<void> {
    const detections: DrawnDetection[] = [];
    const classes: (ClassScore & { model: string })[] = [];
    let inferenceMs: number | null = null;
    for (const r of slot.records) {
      if ('detections' in r) for (const d of r.detections) detections.push({ ...d, model: r.model.id });
      else for (const c of r.classes) classes.push({ ...c, model: r.model.id });
      inferenceMs = (inferenceMs ?? 0) + r.timing.preprocessMs + r.timing.inferenceMs + r.timing.postprocessMs;
    }
    followTracks(slot.trails, detections);
    try {
      const { jpeg, width, height, sourceWidth, sourceHeight } = await renderOverlay(frame.image, detections, undefined, { trails: slot.trails });
      this.encodes++;
      slot.jpeg = jpeg;
      slot.picture = {
        version: (slot.picture?.version ?? 0) + 1,
        frameSeq: frame.seq,
        capturedAt: frame.capturedAt.toISOString(),
        width,
        height,
        sourceWidth,
        sourceHeight,
        detections,
        occupancy: zoneOccupancy(this.sceneOf(camera).zones, detections, sourceWidth, sourceHeight),
        classes,
        inferenceMs: inferenceMs === null ? null : Math.round(inferenceMs * 10) / 10,
        gate: slot.gate,
      };
    } catch {
      // A frame sharp cannot decode was refused by the model too (and logged there); keep the last picture.
      this.failures++;
    }
  }
}

/** Adds each tracked detection's bottom centre to its track's path; forgets tracks not seen in this frame. */
function followTracks(trails: Map<string, Point[]>, detections: readonly DrawnDetection[]): void {
  const seen = new Set<string>();
  for (const d of detections) {
    if (d.trackId === undefined) continue;
    seen.add(d.trackId);
    const p = { x: d.box.x + d.box.width / 2, y: d.box.y + d.box.height };
    let trail = trails.get(d.trackId);
    if (trail === undefined) {
      if (trails.size >= TRAIL_TRACKS) continue;
      trails.set(d.trackId, (trail = []));
    }
    const last = trail.at(-1);
    // A frame the gate skipped repeats the last detections: no new point.
    if (last !== undefined && last.x === p.x && last.y === p.y) continue;
    trail.push(p);
    if (trail.length > TRAIL_POINTS) trail.shift();
  }
  for (const id of trails.keys()) if (!seen.has(id)) trails.delete(id);
}
