/**
 * Composited evaluation scenes: each image of a set, shrunk, pasted onto another image of the
 * same set at a few fixed places. Cheap with sharp and deterministic, they show a model objects
 * at sizes and positions the original images do not, without shipping more images.
 */
import sharp from 'sharp';
import type { EvalImage } from './agreement.js';

/** Where and how large the pasted image sits, as fractions of the background. */
const placements: readonly { height: number; left: number; top: number }[] = [
  { height: 0.5, left: 0.05, top: 0.1 },
  { height: 0.35, left: 0.55, top: 0.45 },
  { height: 0.7, left: 0.3, top: 0.05 },
];

/** Up to `count` JPEG scenes (1280x720, quality 85) made from `images`. */
export async function compositeScenes(images: readonly EvalImage[], count: number): Promise<EvalImage[]> {
  const scenes: EvalImage[] = [];
  if (images.length < 2) return scenes;
  for (let k = 0; scenes.length < count && k < count * 4; k++) {
    const bg = images[k % images.length]!;
    const fg = images[(k + 1 + Math.floor(k / images.length)) % images.length]!;
    if (bg === fg) continue;
    const place = placements[k % placements.length]!;
    const height = Math.round(720 * place.height);
    const pasted = await sharp(fg.data).rotate().resize({ height, width: Math.round(1280 * 0.6), fit: 'inside' }).removeAlpha().toBuffer({ resolveWithObject: true });
    const left = Math.min(1280 - pasted.info.width, Math.round(1280 * place.left));
    const top = Math.min(720 - pasted.info.height, Math.round(720 * place.top));
    const data = await sharp(bg.data).rotate().resize(1280, 720, { fit: 'cover' }).removeAlpha().composite([{ input: pasted.data, left, top }]).jpeg({ quality: 85 }).toBuffer();
    scenes.push({ name: `scene-${scenes.length}(${fg.name} on ${bg.name})`, data });
  }
  return scenes;
}

/**
 * Up to `count` calibration scenes: like {@link compositeScenes}, but the pasted image's height
 * (15-90 % of the frame) and position come from a generator seeded with `seed`, so they never
 * repeat the evaluation scenes' fixed placements and an accuracy report on those stays honest.
 * Five photographs alone calibrate a detector for objects at their own sizes only.
 */
export async function calibrationScenes(images: readonly EvalImage[], count: number, seed = 1): Promise<EvalImage[]> {
  const scenes: EvalImage[] = [];
  if (images.length < 2) return scenes;
  const random = mulberry32(seed);
  const backgrounds = new Map<number, Buffer>();
  while (scenes.length < count) {
    const b = Math.floor(random() * images.length);
    const f = (b + 1 + Math.floor(random() * (images.length - 1))) % images.length;
    const bg = images[b]!;
    const fg = images[f]!;
    let background = backgrounds.get(b);
    if (!background) {
      background = await sharp(bg.data).rotate().resize(1280, 720, { fit: 'cover' }).removeAlpha().raw().toBuffer();
      backgrounds.set(b, background);
    }
    const height = Math.round(720 * (0.15 + 0.75 * random()));
    const pasted = await sharp(fg.data).rotate().resize({ height, width: 1280, fit: 'inside' }).removeAlpha().toBuffer({ resolveWithObject: true });
    const left = Math.floor(random() * (1280 - pasted.info.width + 1));
    const top = Math.floor(random() * (720 - pasted.info.height + 1));
    const data = await sharp(background, { raw: { width: 1280, height: 720, channels: 3 } })
      .composite([{ input: pasted.data, left, top }])
      .jpeg({ quality: 85 })
      .toBuffer();
    scenes.push({ name: `calibration-scene-${scenes.length}(${fg.name} on ${bg.name})`, data });
  }
  return scenes;
}

/** A small seeded generator (mulberry32): the same seed gives the same scenes on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
