/**
 * The console's picture board: the frame tap the camera loops call, and the pictures made from
 * it. With no viewer the tap is inactive and the loops give it nothing. With one, each loop hands
 * over a reference to the frame it just processed (replacing the previous one: one frame per
 * camera is held, never queued), and `refresh()`, run once per `frameIntervalMs`, encodes each
 * camera's newest frame with its overlay, so at most one JPEG per camera per interval.
 */
import type { Frame } from '../capture/frame.js';
import type { FrameTap } from '../pipeline/camera-loop.js';
import type { ClassScore, ResultRecord } from '../results/result-record.js';
import { renderOverlay, type DrawnDetection } from './overlay.js';

/** What the page and `/api/state` show of one camera's picture. */
export interface PictureState {
  /** Increases with each new picture; the page reloads the image when it changes. */
  version: number;
  frameSeq: number;
  capturedAt: string;
  width: number;
  height: number;
  detections: DrawnDetection[];
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

  /** FrameTap: keeps a reference to the newest frame and its records; nothing is copied or encoded here. */
  offer(camera: string, frame: Frame, skipped: boolean, records: readonly ResultRecord[]): void {
    let slot = this.slots.get(camera);
    if (slot === undefined) this.slots.set(camera, (slot = { pending: undefined, records: [], gate: 'passed', picture: undefined, jpeg: undefined }));
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
      for (const slot of this.slots.values()) {
        const frame = slot.pending;
        if (frame === undefined) continue;
        slot.pending = undefined;
        await this.draw(slot, frame);
      }
    } finally {
      this.refreshing = false;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  private async draw(slot: Slot, frame: Frame): Promise<void> {
    const detections: DrawnDetection[] = [];
    const classes: (ClassScore & { model: string })[] = [];
    let inferenceMs: number | null = null;
    for (const r of slot.records) {
      if ('detections' in r) for (const d of r.detections) detections.push({ ...d, model: r.model.id });
      else for (const c of r.classes) classes.push({ ...c, model: r.model.id });
      inferenceMs = (inferenceMs ?? 0) + r.timing.preprocessMs + r.timing.inferenceMs + r.timing.postprocessMs;
    }
    try {
      const { jpeg, width, height } = await renderOverlay(frame.image, detections);
      this.encodes++;
      slot.jpeg = jpeg;
      slot.picture = {
        version: (slot.picture?.version ?? 0) + 1,
        frameSeq: frame.seq,
        capturedAt: frame.capturedAt.toISOString(),
        width,
        height,
        detections,
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
