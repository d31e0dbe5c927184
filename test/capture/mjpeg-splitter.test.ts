import t from 'tap';
import sharp from 'sharp';
import { MjpegSplitter } from '../../agent/capture/mjpeg-splitter.js';
import { RawFrameSplitter } from '../../agent/capture/frame-splitter.js';

async function jpeg(color: string, width = 32, height = 24): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).jpeg().toBuffer();
}

function chunked(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

// A JPEG whose APP1 segment carries a whole second JPEG (as an EXIF thumbnail does), with its own FF D9.
function withEmbeddedThumbnail(main: Buffer, thumb: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0'), thumb]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([main.subarray(0, 2), header, payload, main.subarray(2)]);
}

t.test('frames split at every chunk size come out whole and byte-identical', async (t) => {
  const frames = [await jpeg('red'), await jpeg('green'), await jpeg('blue')];
  const stream = Buffer.concat(frames);
  for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
    const splitter = new MjpegSplitter();
    const out = chunked(stream, size).flatMap((c) => splitter.push(c));
    t.equal(out.length, 3, `chunk size ${size}`);
    t.ok(out.every((f, i) => f.equals(frames[i] as Buffer)), `chunk size ${size}: bytes identical`);
    t.equal(splitter.droppedBytes, 0);
    t.equal(splitter.bufferedBytes, 0);
  }
});

t.test('garbage between frames (multipart boundaries, junk) is dropped and counted', async (t) => {
  const a = await jpeg('red');
  const b = await jpeg('blue');
  const boundary = Buffer.from('\r\n--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 123\r\n\r\n');
  const junk = Buffer.from([0x00, 0xff, 0x12, 0xff]);
  const stream = Buffer.concat([junk, boundary, a, boundary, junk, b, boundary]);
  const splitter = new MjpegSplitter();
  const out = chunked(stream, 5).flatMap((c) => splitter.push(c));
  t.equal(out.length, 2);
  t.ok(out[0]?.equals(a));
  t.ok(out[1]?.equals(b));
  t.equal(splitter.droppedBytes, junk.length * 2 + boundary.length * 3);
  const decoded = await sharp(out[1] as Buffer).metadata();
  t.equal(decoded.width, 32);
});

t.test('an embedded thumbnail does not cut the frame at its end marker', async (t) => {
  const framed = withEmbeddedThumbnail(await jpeg('red', 40, 30), await jpeg('green', 8, 6));
  const next = await jpeg('blue');
  const splitter = new MjpegSplitter();
  const out = chunked(Buffer.concat([framed, next]), 13).flatMap((c) => splitter.push(c));
  t.equal(out.length, 2);
  t.ok(out[0]?.equals(framed), 'the whole frame including its thumbnail');
  t.equal((await sharp(out[0] as Buffer).metadata()).width, 40);
});

t.test('a frame over maxFrameBytes is dropped and the next one still parses', async (t) => {
  const noise = Buffer.alloc(200 * 150 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  const big = await sharp(noise, { raw: { width: 200, height: 150, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
  const small = await jpeg('red');
  t.ok(big.length > 2000 && small.length < 2000, 'fixture sizes straddle the bound');
  const splitter = new MjpegSplitter(2000);
  const out = chunked(Buffer.concat([big, small, small]), 500).flatMap((c) => splitter.push(c));
  t.equal(splitter.oversizedFrames, 1);
  t.equal(out.length, 2);
  t.ok(out.every((f) => f.equals(small)), 'only the small frames come out');
  t.ok(splitter.droppedBytes >= 2000);
  t.ok(splitter.bufferedBytes <= 2000, 'buffer stays bounded');
});

t.test('a frame with a corrupt header is skipped and parsing resynchronises', async (t) => {
  const good = await jpeg('green');
  const corrupt = Buffer.concat([Buffer.from([0xff, 0xd8, 0x12, 0x34, 0x56]), Buffer.alloc(20, 0x41)]);
  const splitter = new MjpegSplitter();
  const out = splitter.push(Buffer.concat([corrupt, good]));
  t.equal(out.length, 1);
  t.ok(out[0]?.equals(good));
  t.equal(splitter.droppedBytes, corrupt.length);
});

t.test('raw frames are cut at exactly width*height*channels bytes', async (t) => {
  const splitter = new RawFrameSplitter(6);
  const out = [Buffer.from([1, 2, 3, 4]), Buffer.from([5, 6, 7, 8, 9, 10, 11, 12, 13])].flatMap((c) => splitter.push(c));
  t.same(out.map((f) => [...f]), [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]);
  t.same([...(splitter.push(Buffer.from([14, 15, 16, 17, 18]))[0] ?? [])], [13, 14, 15, 16, 17, 18]);
});
