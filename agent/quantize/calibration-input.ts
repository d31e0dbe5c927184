/**
 * A minimal letterbox for calibration frames: decode, scale to fit, paste top-left, pad, and
 * lay out as float NCHW with raw 0-255 values. Kept small on purpose; the agent's preprocessor
 * (agent/preprocess) is the one to use for inference and will replace this.
 */
import sharp from 'sharp';
import { quantizeErrors } from './errors.js';

/** How a model expects its input image. */
export interface LetterboxSpec {
  readonly width: number;
  readonly height: number;
  /** Value (0-255) written into the padded area on every channel. */
  readonly padValue: number;
  readonly channelOrder: 'bgr' | 'rgb';
}

/** One letterboxed frame: NCHW float data and the scale applied to the original image. */
export interface LetterboxedImage {
  readonly data: Float32Array;
  /** r = min(width/W, height/H); divide model coordinates by it to get image coordinates. */
  readonly scale: number;
}

/** Decodes an image file and letterboxes it into a [1,3,height,width] float tensor. */
export async function letterboxImage(path: string, spec: LetterboxSpec): Promise<LetterboxedImage> {
  const { width, height, padValue, channelOrder } = spec;
  try {
    const meta = await sharp(path).metadata();
    const srcW = meta.autoOrient?.width ?? meta.width;
    const srcH = meta.autoOrient?.height ?? meta.height;
    const scale = Math.min(width / srcW, height / srcH);
    const newW = Math.max(1, Math.min(width, Math.round(srcW * scale)));
    const newH = Math.max(1, Math.min(height, Math.round(srcH * scale)));
    const { data } = await sharp(path)
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(newW, newH, { fit: 'fill', kernel: 'linear' })
      .extend({ right: width - newW, bottom: height - newH, background: { r: padValue, g: padValue, b: padValue } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const plane = width * height;
    const out = new Float32Array(3 * plane);
    // sharp gives interleaved RGB; the model wants one plane per channel in its own order.
    const order = channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) out[c * plane + i] = data[i * 3 + (order[c] ?? c)] ?? 0;
    }
    return { data: out, scale };
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_CALIBRATION_IMAGE(`Expected a decodable image at ${path} but decoding failed: ${(err as Error).message}`, { path }, err);
  }
}
