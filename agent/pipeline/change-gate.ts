/**
 * The gate in front of inference (the `FrameGate` seam) and its `mean` mode: skips inference on
 * frames that barely differ from the last inferred one. The mean over the whole frame misses a
 * small object (a person covering 0.5 to 6 % of the frame moves it by less than the default
 * threshold), so the default mode is motion-gate.ts; this one stays for scenes where only a
 * large change matters. Each frame becomes a 32x18 grayscale thumbnail (JPEG shrink-on-load makes
 * that about a tenth of a full decode); the mean absolute difference against the last inferred
 * frame's thumbnail, as a fraction of full scale, decides.
 */
import sharp from 'sharp';
import type { FrameImage } from '../capture/frame.js';

const THUMB_WIDTH = 32;
const THUMB_HEIGHT = 18;

/** Outcome for one frame. */
export interface GateDecision {
  /** True when the frame should be inferred. */
  pass: boolean;
  /** Mean absolute difference to the last inferred frame (0..1); 1 for the first frame. In `motion` mode: the largest moving region's share of the frame. */
  difference: number;
  /** `motion` mode: why the frame passed (`first`, `motion`, `tracked`) or `still`. */
  reason?: 'first' | 'motion' | 'tracked' | 'still';
  /** `motion` mode: area of the largest moving region in source pixels. */
  motionPixels?: number;
}

/** What the loop tells a gate besides the frame. */
export interface GateContext {
  /** Time of the decision (ms since the epoch). */
  nowMs: number;
  /** Objects the camera's trackers follow now; a gate may infer again at an interval while there are any. */
  trackedObjects: number;
}

/** Decides, frame by frame, whether a frame is inferred. One gate per camera. */
export interface FrameGate {
  /** Decides for `image`; never throws for a decodable image. */
  check(image: FrameImage, context?: GateContext): Promise<GateDecision>;
}

/** The `mean` mode: one gate per camera; not shared between cameras. */
export class ChangeGate implements FrameGate {
  private readonly threshold: number;
  private last: Uint8Array | undefined;

  /** `threshold` is the fraction of full scale (0..1) below which a frame is skipped. */
  constructor(threshold: number) {
    this.threshold = threshold;
  }

  /** Decides for `image`; a passing frame becomes the new reference. */
  async check(image: FrameImage): Promise<GateDecision> {
    const thumb = await thumbnail(image);
    const last = this.last;
    if (last === undefined) {
      this.last = thumb;
      return { pass: true, difference: 1 };
    }
    let sum = 0;
    for (let i = 0; i < thumb.length; i++) sum += Math.abs((thumb[i] as number) - (last[i] as number));
    const difference = sum / (thumb.length * 255);
    const pass = difference >= this.threshold;
    // Compare against the last *inferred* frame, so a slow drift still passes eventually.
    if (pass) this.last = thumb;
    return { pass, difference };
  }
}

async function thumbnail(image: FrameImage): Promise<Uint8Array> {
  const input = image.kind === 'raw' ? sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }) : sharp(image.data, { failOn: 'truncated' }).autoOrient();
  const { data } = await input.resize(THUMB_WIDTH, THUMB_HEIGHT, { fit: 'fill' }).grayscale().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
