/**
 * Skips inference on frames that barely differ from the last inferred one: don't predict what
 * you can precompute. Each frame becomes a 32x18 grayscale thumbnail (JPEG shrink-on-load makes
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
  /** Mean absolute difference to the last inferred frame (0..1); 1 for the first frame. */
  difference: number;
}

/** One gate per camera; not shared between cameras. */
export class ChangeGate {
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
