/**
 * Builds test frames in memory from the shared images (never written to the repository): a
 * static background with people cut from hopper.jpg / astronaut.png pasted at known places.
 */
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import type { RawImage } from '../../../agent/capture/frame.js';
import { sharedImage } from '../../helpers/shared.js';

/** Frame size of the generated scenes. */
export const WIDTH = 640;
export const HEIGHT = 480;

/** A static background: rocket.jpg filled to 640x480, raw RGB. */
export async function background(): Promise<Buffer> {
  return sharp(readFileSync(sharedImage('rocket.jpg'))).resize(WIDTH, HEIGHT, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

/** A person cut from a shared portrait, `width` x `height` pixels, PNG. */
export async function personCrop(name: 'hopper.jpg' | 'astronaut.png', width: number, height: number): Promise<Buffer> {
  return sharp(readFileSync(sharedImage(name))).resize(width, height, { fit: 'cover', position: 'top' }).removeAlpha().png().toBuffer();
}

/** One pasted object: the crop and where its top-left corner goes. */
export interface Placement {
  input: Buffer;
  left: number;
  top: number;
}

/** `bg` with `objects` pasted on, as a raw frame image. */
export async function compose(bg: Buffer, objects: readonly Placement[]): Promise<RawImage> {
  const data = objects.length === 0 ? Buffer.from(bg) : await sharp(bg, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).composite(objects.map((o) => ({ input: o.input, left: Math.round(o.left), top: Math.round(o.top) }))).removeAlpha().raw().toBuffer();
  return { kind: 'raw', data, width: WIDTH, height: HEIGHT, channels: 3 };
}
