import t, { type Test } from 'tap';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { deflateSync, crc32 } from 'node:zlib';
import { Preprocessor } from '../../agent/preprocess/preprocessor.js';
import { AgentError } from '../../agent/errors/agent-error.js';
import type { InputSpec } from '../../agent/models/manifest.js';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { sharedImage } from '../helpers/shared.js';
import { join } from 'node:path';

const personInput = (JSON.parse(readFileSync(join(bundledManifestDir, 'person-yolox-192', 'manifest.json'), 'utf8')) as { input: InputSpec }).input;
const plane = 192 * 192;
const px = (data: ArrayLike<number>, c: number, x: number, y: number) => data[c * plane + y * 192 + x] as number;

async function refused(t: Test, p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  try {
    await p;
    t.fail(`expected ${code}`);
  } catch (err) {
    t.ok(err instanceof AgentError);
    t.equal((err as AgentError).code, code);
    t.match((err as Error).message, pattern);
  }
}

t.test('a solid red image: BGR planes, letterbox content on top, pad 114 below', async (t) => {
  const jpeg = await sharp({ create: { width: 300, height: 150, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
  const r = await new Preprocessor(personInput).prepare({ kind: 'encoded', data: jpeg }, 'red.png');
  t.equal(r.geometry.contentWidth, 192);
  t.equal(r.geometry.contentHeight, 96);
  t.equal(px(r.data, 0, 10, 10), 0, 'blue plane first');
  t.equal(px(r.data, 2, 10, 10), 255, 'red plane last');
  t.equal(px(r.data, 1, 191, 95), 0);
  for (const c of [0, 1, 2]) t.equal(px(r.data, c, 100, 150), 114, `padding in channel ${c}`);
});

t.test('hopper.jpg (portrait): padding fills the columns right of the content', async (t) => {
  const r = await new Preprocessor(personInput).prepare({ kind: 'encoded', data: readFileSync(sharedImage('hopper.jpg')) }, 'hopper.jpg');
  t.equal(r.geometry.sourceWidth, 1012);
  t.equal(r.geometry.sourceHeight, 1280);
  t.equal(r.geometry.contentWidth, 152);
  let allPad = true;
  for (let y = 0; y < 192; y++) for (let x = 152; x < 192; x++) for (const c of [0, 1, 2]) if (px(r.data, c, x, y) !== 114) allPad = false;
  t.ok(allPad, 'columns 152..191 are all 114');
  t.not(px(r.data, 0, 76, 96), 114, 'content is not padding');
});

t.test('EXIF orientation is applied before resizing', async (t) => {
  // 200x100 stored, left half red and right half blue; orientation 6 displays it rotated 90 degrees clockwise.
  const raw = Buffer.alloc(200 * 100 * 3);
  for (let y = 0; y < 100; y++) for (let x = 0; x < 200; x++) raw.set(x < 100 ? [255, 0, 0] : [0, 0, 255], (y * 200 + x) * 3);
  const jpeg = await sharp(raw, { raw: { width: 200, height: 100, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const r = await new Preprocessor(personInput).prepare({ kind: 'encoded', data: jpeg }, 'rotated.jpg');
  t.equal(r.geometry.sourceWidth, 100, 'width after orientation');
  t.equal(r.geometry.sourceHeight, 200);
  t.ok(px(r.data, 2, 48, 20) > 200 && px(r.data, 0, 48, 20) < 50, 'top is red');
  t.ok(px(r.data, 0, 48, 170) > 200 && px(r.data, 2, 48, 170) < 50, 'bottom is blue');
});

t.test('alpha is flattened onto the pad colour, not kept as garbage RGB', async (t) => {
  const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0 } } }).png().toBuffer();
  const r = await new Preprocessor(personInput).prepare({ kind: 'encoded', data: png }, 'clear.png');
  t.equal(px(r.data, 0, 10, 10), 114);
  t.equal(px(r.data, 2, 10, 10), 114);
});

t.test('grayscale images become three equal channels', async (t) => {
  const gray = await sharp({ create: { width: 50, height: 50, channels: 3, background: { r: 90, g: 90, b: 90 } } }).grayscale().png().toBuffer();
  const r = await new Preprocessor(personInput).prepare({ kind: 'encoded', data: gray }, 'gray.png');
  t.equal(px(r.data, 0, 5, 5), 90);
  t.equal(px(r.data, 1, 5, 5), 90);
  t.equal(px(r.data, 2, 5, 5), 90);
});

t.test('raw RGB frames are accepted; a wrong byte count is refused', async (t) => {
  const raw = Buffer.alloc(320 * 240 * 3, 0);
  for (let i = 0; i < raw.length; i += 3) raw[i + 1] = 200; // green
  const p = new Preprocessor(personInput);
  const r = await p.prepare({ kind: 'raw', data: raw, width: 320, height: 240, channels: 3 }, 'cam0');
  t.equal(r.geometry.contentHeight, 144);
  t.equal(px(r.data, 1, 100, 100), 200);
  t.equal(px(r.data, 1, 100, 180), 114);
  await refused(t, p.prepare({ kind: 'raw', data: raw.subarray(1), width: 320, height: 240, channels: 3 }, 'cam0'), 'EDGE_INPUT_RAW_SIZE', /Expected 230400 bytes for a 320x240x3 raw frame from cam0 but received 230399/);
});

t.test('bad inputs: empty, truncated, not an image', async (t) => {
  const p = new Preprocessor(personInput);
  await refused(t, p.prepare({ kind: 'encoded', data: Buffer.alloc(0) }, 'empty.jpg'), 'EDGE_INPUT_EMPTY', /empty\.jpg/);
  await refused(t, p.prepare({ kind: 'encoded', data: readFileSync(sharedImage('truncated.jpg')) }, 'truncated.jpg'), 'EDGE_INPUT_UNDECODABLE', /truncated\.jpg.*could not be decoded/);
  await refused(t, p.prepare({ kind: 'encoded', data: Buffer.from('hello, not an image') }, 'note.txt'), 'EDGE_INPUT_UNSUPPORTED_FORMAT', /note\.txt but received unknown bytes 68 65 6c 6c; refused before decoding/);
  // The preprocessor still works after failures.
  const ok = await p.prepare({ kind: 'encoded', data: readFileSync(sharedImage('coffee.png')) }, 'coffee.png');
  t.equal(ok.geometry.sourceWidth, 600);
});

/** A PNG whose header claims width x height; only a few rows of data follow (a decompression bomb's shape). */
function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale
  const rows = Buffer.alloc((width + 1) * 4); // four rows of zeros
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

t.test('a 30000x30000 PNG is refused from its header, without decoding it', async (t) => {
  const before = process.memoryUsage().rss;
  await refused(t, new Preprocessor(personInput).prepare({ kind: 'encoded', data: bombPng(30000, 30000) }, 'bomb.png'), 'EDGE_INPUT_TOO_LARGE', /Expected at most 40000000 pixels in bomb\.png but received 30000x30000/);
  t.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'no 900 MB decode happened');
});

t.test('a 16-bit PNG comes out as 8-bit values, and a WebP goes through sharp’s own header path', async (t) => {
  const png16 = await sharp({ create: { width: 30, height: 30, channels: 3, background: { r: 200, g: 100, b: 50 } } }).toColourspace('rgb16').png().toBuffer();
  t.equal((await sharp(png16).metadata()).depth, 'ushort', 'the input really is 16-bit');
  const p = new Preprocessor(personInput);
  const r = await p.prepare({ kind: 'encoded', data: png16 }, 'deep.png');
  t.ok(Math.abs(px(r.data, 2, 5, 5) - 200) <= 1, `red ${px(r.data, 2, 5, 5)}`);
  t.ok(Math.abs(px(r.data, 0, 5, 5) - 50) <= 1, `blue ${px(r.data, 0, 5, 5)}`);
  const webp = await sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 0, g: 255, b: 0 } } }).webp({ lossless: true }).toBuffer();
  const w = await p.prepare({ kind: 'encoded', data: webp }, 'green.webp');
  t.equal(w.geometry.contentHeight, 96);
  t.equal(px(w.data, 1, 10, 10), 255);
});
