import t from 'tap';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { readImageHeader } from '../../agent/preprocess/image-header.js';
import { sharedImage } from '../helpers/shared.js';

t.test('sizes and channels agree with sharp on every shared image', async (t) => {
  for (const name of ['hopper.jpg', 'rocket.jpg', 'astronaut.png', 'coffee.png', 'chelsea.png']) {
    const data = readFileSync(sharedImage(name));
    const h = readImageHeader(data);
    const m = await sharp(data).metadata();
    t.ok(h, `${name} parsed`);
    t.equal(h?.width, m.width, `${name} width`);
    t.equal(h?.height, m.height, `${name} height`);
    t.equal(h?.hasAlpha, m.hasAlpha === true, `${name} alpha`);
  }
});

t.test('EXIF orientation 6 swaps the oriented size; grayscale and alpha are flagged for conversion', async (t) => {
  const base = sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 10, g: 20, b: 30 } } });
  const rotated = readImageHeader(await base.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer());
  t.same([rotated?.width, rotated?.height, rotated?.orientedWidth, rotated?.orientedHeight], [40, 20, 20, 40]);
  t.equal(rotated?.isRgb8, true);
  const gray = readImageHeader(await base.clone().toColourspace('b-w').jpeg().toBuffer());
  t.equal(gray?.channels, 1);
  t.equal(gray?.isRgb8, false);
  const rgba = readImageHeader(await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer());
  t.equal(rgba?.hasAlpha, true);
});

t.test('anything else falls back to sharp (undefined)', async (t) => {
  t.equal(readImageHeader(Buffer.from('not an image')), undefined);
  t.equal(readImageHeader(readFileSync(sharedImage('truncated.jpg')).subarray(0, 10)), undefined);
  t.equal(readImageHeader(await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).webp().toBuffer()), undefined);
});
