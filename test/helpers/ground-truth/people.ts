/**
 * People to paste into generated scenes, cut from the shared portraits (never copied into this
 * repository). Each cut starts from the box person-yolox-192 itself finds in the portrait, so the
 * pasted rectangle is a person box as the model understands one, and the ground-truth box of a
 * pasted person is exactly the rectangle pasted.
 */
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { sharedImage } from '../shared.js';

/**
 * The one person person-yolox-192 finds in each portrait, in source pixels (found once with the
 * real model at threshold 0.3 on 2026-12-06: hopper.jpg score 0.94, astronaut.png 0.88; the
 * other shared images have no person).
 */
export const PERSON_BOXES = {
  'hopper.jpg': { left: 18, top: 50, width: 988, height: 1224 },
  'astronaut.png': { left: 6, top: 9, width: 365, height: 500 },
} as const;

/** A shared portrait with a person in it. */
export type PersonImage = keyof typeof PERSON_BOXES;

/**
 * Width over height of a pasted person. A standing figure is about twice as tall as wide; the top
 * of a portrait cut to that shape was also found by the model more often than the whole
 * portrait squeezed to the same area (19 of 33 places against 7 of 24 at 2 % of a 640x480 frame).
 */
export const PERSON_ASPECT = 0.5;

/** Width and height in pixels of a person covering `areaFraction` of a `frameWidth` x `frameHeight` frame. */
export function personSize(areaFraction: number, frameWidth: number, frameHeight: number): { width: number; height: number } {
  const height = Math.round(Math.sqrt((areaFraction * frameWidth * frameHeight) / PERSON_ASPECT));
  return { width: Math.max(1, Math.round(height * PERSON_ASPECT)), height };
}

/** The person of `image`, cut to its box, then to the top `width` x `height` of it (head and body), as PNG; `mirror` flips it left to right. */
export async function cutPerson(image: PersonImage, width: number, height: number, mirror = false): Promise<Buffer> {
  const cut = sharp(readFileSync(sharedImage(image))).extract(PERSON_BOXES[image]).resize(width, height, { fit: 'cover', position: 'top' });
  return (mirror ? cut.flop() : cut).removeAlpha().png().toBuffer();
}
