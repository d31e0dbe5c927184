/**
 * Benchmark frames: 1280x720 JPEGs made in memory from the shared sample images (a random crop of
 * a background with a person pasted at a random place), so decoding does real work on varied
 * content. Nothing is written to disk.
 */
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { sharedImage } from '../helpers/shared.js';

/** A small deterministic PRNG so runs compare like with like. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct 1280x720 JPEG frames (quality 85, as camera MJPEG typically is). */
export async function makeFrames(count: number, seed = 7): Promise<Buffer[]> {
  const rand = mulberry32(seed);
  const backgrounds = ['rocket.jpg', 'coffee.png', 'chelsea.png'].map((n) => readFileSync(sharedImage(n)));
  const people = ['hopper.jpg', 'astronaut.png'].map((n) => readFileSync(sharedImage(n)));
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const bg = backgrounds[i % backgrounds.length] as Buffer;
    const person = people[i % people.length] as Buffer;
    const h = 200 + Math.floor(rand() * 400);
    const personImg = await sharp(person).resize({ height: h }).toBuffer({ resolveWithObject: true });
    const left = Math.floor(rand() * (1280 - personImg.info.width));
    const top = Math.floor(rand() * (720 - h));
    frames.push(await sharp(bg).resize(1280, 720, { fit: 'cover' }).composite([{ input: personImg.data, left, top }]).jpeg({ quality: 85 }).toBuffer());
  }
  return frames;
}
