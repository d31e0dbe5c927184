/**
 * The `motion` mode of the gate: motion measured region by region, so a small object moving is
 * seen. Each frame becomes a grayscale image `analysisWidth` pixels wide; pixels that differ from
 * a slowly updated background by more than `pixelThreshold` grey levels are marked, marked
 * pixels touching each other form regions (8-connected, as contours would), and the frame passes
 * when one region covers at least `minAreaPixels` of the source frame. Sensor noise marks
 * scattered single pixels, which never add up to a region; a person, however small, marks a
 * connected blob. While the camera's trackers follow objects, a frame is also passed every
 * `trackedIntervalMs` without motion, so a standing person keeps its track and a person who left
 * ends theirs.
 */
import sharp from 'sharp';
import type { FrameImage } from '../capture/frame.js';
import type { FrameGate, GateContext, GateDecision } from './change-gate.js';

/** Settings of the motion gate. */
export interface MotionGateOptions {
  /** Width of the analysed grayscale image; its height keeps the frame's aspect ratio. */
  analysisWidth: number;
  /** Grey levels (0..255) a pixel must differ from the background by to count as changed. */
  pixelThreshold: number;
  /** Least area of one moving region, in source-frame pixels, that passes the frame. */
  minAreaPixels: number;
  /** While objects are tracked, pass a frame at least this often even without motion. */
  trackedIntervalMs: number;
}

// How fast the background follows the scene: a tenth of the difference per frame, so lighting
// that drifts is absorbed in a few seconds while a walking person stays well apart from it.
const BACKGROUND_ALPHA = 0.1;

/** One motion gate per camera. */
export class MotionGate implements FrameGate {
  private readonly options: MotionGateOptions;
  private background: Float32Array | undefined;
  private size = { width: 0, height: 0 };
  private lastPassMs = -Infinity;
  // Reused between frames: marked pixels and the flood fill's stack.
  private mask = new Uint8Array(0);
  private stack = new Int32Array(0);

  constructor(options: MotionGateOptions) {
    this.options = options;
  }

  /** Decides for `image`; the background learns from every frame, passed or not. */
  async check(image: FrameImage, context?: GateContext): Promise<GateDecision> {
    const nowMs = context?.nowMs ?? Date.now();
    const { gray, width, height, sourcePixels } = await this.analyse(image);
    const bg = this.background;
    if (bg === undefined || this.size.width !== width || this.size.height !== height) {
      this.background = Float32Array.from(gray);
      this.size = { width, height };
      this.lastPassMs = nowMs;
      return { pass: true, difference: 1, reason: 'first', motionPixels: sourcePixels };
    }
    const largest = this.largestRegion(gray, bg, width, height);
    for (let i = 0; i < gray.length; i++) bg[i] = (bg[i] as number) + BACKGROUND_ALPHA * ((gray[i] as number) - (bg[i] as number));
    const motionPixels = Math.round((largest * sourcePixels) / (width * height));
    const difference = largest / (width * height);
    let reason: GateDecision['reason'] = 'still';
    if (motionPixels >= this.options.minAreaPixels) reason = 'motion';
    else if ((context?.trackedObjects ?? 0) > 0 && nowMs - this.lastPassMs >= this.options.trackedIntervalMs) reason = 'tracked';
    const pass = reason !== 'still';
    if (pass) this.lastPassMs = nowMs;
    return { pass, difference, reason, motionPixels };
  }

  /** Pixels in the largest 8-connected region of changed pixels. */
  private largestRegion(gray: Uint8Array, bg: Float32Array, width: number, height: number): number {
    const n = gray.length;
    if (this.mask.length !== n) {
      this.mask = new Uint8Array(n);
      this.stack = new Int32Array(n);
    }
    const mask = this.mask;
    const threshold = this.options.pixelThreshold;
    for (let i = 0; i < n; i++) mask[i] = Math.abs((gray[i] as number) - (bg[i] as number)) > threshold ? 1 : 0;
    let largest = 0;
    const stack = this.stack;
    for (let start = 0; start < n; start++) {
      if (mask[start] !== 1) continue;
      mask[start] = 2;
      let top = 0;
      stack[top++] = start;
      let area = 0;
      while (top > 0) {
        const p = stack[--top] as number;
        area++;
        const x = p % width;
        const y = (p - x) / width;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= width) continue;
            const q = yy * width + xx;
            if (mask[q] === 1) {
              mask[q] = 2;
              stack[top++] = q;
            }
          }
        }
      }
      if (area > largest) largest = area;
    }
    return largest;
  }

  private async analyse(image: FrameImage): Promise<{ gray: Uint8Array; width: number; height: number; sourcePixels: number }> {
    const input = image.kind === 'raw' ? sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }) : sharp(image.data, { failOn: 'truncated' }).autoOrient();
    // The source size is read from the header (no decode) for encoded frames.
    const meta = image.kind === 'raw' ? { width: image.width, height: image.height } : await input.metadata();
    const srcW = meta.width ?? 1;
    const srcH = meta.height ?? 1;
    const width = Math.min(this.options.analysisWidth, srcW);
    const height = Math.max(1, Math.round((srcH * width) / srcW));
    const { data } = await input.resize(width, height, { fit: 'fill' }).removeAlpha().grayscale().raw().toBuffer({ resolveWithObject: true });
    return { gray: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height, sourcePixels: srcW * srcH };
  }
}
