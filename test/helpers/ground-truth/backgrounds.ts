/** Backgrounds without people for generated scenes: a shared photograph, or a synthetic floor. */
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { sharedImage } from '../shared.js';

/** A background: a shared image without people, or `synthetic` (made here). */
export type BackgroundName = 'rocket.jpg' | 'coffee.png' | 'chelsea.png' | 'synthetic';

/** The background `name` as raw RGB, `width` x `height`. */
export async function backgroundImage(name: BackgroundName, width: number, height: number): Promise<Buffer> {
  if (name === 'synthetic') return syntheticBackground(width, height);
  return sharp(readFileSync(sharedImage(name))).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

/** A grey floor getting lighter downwards with a fine diagonal texture, so the gate has structure to compare. */
export function syntheticBackground(width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 90 + Math.round((60 * y) / height) + ((x * 7 + y * 13) % 11);
      out[(y * width + x) * 3] = v;
      out[(y * width + x) * 3 + 1] = v + 5;
      out[(y * width + x) * 3 + 2] = v - 10;
    }
  }
  return out;
}
