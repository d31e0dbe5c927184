import t from 'tap';
import { join } from 'node:path';
import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRaspistillSource, raspistillCameraOptions, type RaspistillSourceOptions } from '../../agent/capture/raspistill-source.js';
import type { Frame } from '../../agent/capture/frame.js';
import { captureContext, configureFakes, fakePath, fakeRuns, isAlive, testTiming, waitFor, writeJpegs } from './helpers.js';

// node-raspistill spawns `raspistill` from the process PATH, so the fake goes first there too.
const originalPath = process.env['PATH'];
process.env['PATH'] = fakePath;
t.teardown(() => {
  process.env['PATH'] = originalPath;
});

function options(extra: Partial<RaspistillSourceOptions> = {}): RaspistillSourceOptions {
  return { type: 'raspistill', name: 'legacy', fps: 50, width: 64, height: 48, ...testTiming, ...extra };
}

t.test('node-raspistill runs the fake raspistill and each photo becomes a frame', async (t) => {
  const dir = t.testdir();
  const jpegs = await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const source = createRaspistillSource(options(), captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 3, 'three photos');
  await source.stop();
  t.ok(frames.every((f) => f.image.kind === 'encoded' && f.image.data.equals(jpegs[0] as Buffer)));
  t.equal(source.stats().backend, 'raspistill');
  const runs = fakeRuns(join(dir, 'runs'));
  t.ok(runs.length >= 3, 'one raspistill per photo');
  // The arguments node-raspistill builds from our options: no preview, JPEG to stdout.
  t.same(runs[0]?.argv, ['-n', '-e', 'jpg', '-w', '64', '-h', '48', '-q', '80', '-t', '200', '-o', '-']);
  t.ok(runs.every((r) => !isAlive(r.pid)));
});

t.test('a large photo arrives whole', async (t) => {
  const dir = t.testdir();
  const noise = Buffer.alloc(1200 * 900 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 7)) % 251;
  mkdirSync(join(dir, 'frames'));
  const big = await sharp(noise, { raw: { width: 1200, height: 900, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
  writeFileSync(join(dir, 'frames', 'big.jpg'), big);
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const source = createRaspistillSource(options({ width: 1200, height: 900 }), captureContext());
  const sizes: number[] = [];
  source.onFrame((f) => sizes.push(f.image.data.length));
  await source.start();
  await waitFor(() => sizes.length >= 3 || source.stats().errors >= 3, 'three photos or three failures');
  await source.stop();
  t.comment(`photo of ${big.length} bytes: ${sizes.join(',')} delivered, ${source.stats().errors} errors`);
  t.ok(sizes.every((s) => s === big.length), 'no delivered photo is truncated');
});

t.test('failing captures are counted and retried; the source keeps running', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const source = createRaspistillSource(options(), captureContext());
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  process.env['FAKE_CAMERA_MODE'] = 'fail';
  await waitFor(() => source.stats().errors >= 2, 'two failed captures');
  process.env['FAKE_CAMERA_MODE'] = 'ok';
  const before = count;
  await waitFor(() => count > before, 'a photo after recovery');
  await source.stop();
  t.ok(source.stats().restarts >= 2);
  t.match(source.stats().lastError, /raspistill failed/);
});

t.test('a hung raspistill is a stall: killed, counted, retried', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const source = createRaspistillSource(options({ stallTimeoutMs: 300 }), captureContext());
  await source.start();
  process.env['FAKE_CAMERA_MODE'] = 'hang';
  await waitFor(() => source.stats().stalls >= 1, 'a stall');
  process.env['FAKE_CAMERA_MODE'] = 'ok';
  await source.stop();
  await waitFor(() => fakeRuns(join(dir, 'runs')).every((r) => !isAlive(r.pid)), 'every raspistill to exit');
  t.ok(source.stats().restarts >= 1);
});

t.test('a missing raspistill names the legacy stack and the rpicam alternative', async (t) => {
  const source = createRaspistillSource(options(), captureContext(t.testdir()));
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_BINARY_NOT_FOUND', message: /raspistill not found on PATH .*type: rpicam.*apt-get install rpicam-apps/ });
});

t.test('options map onto node-raspistill options (quality and settle time are fixed values)', async (t) => {
  t.same(raspistillCameraOptions(options()), {
    noFileSave: true, noPreview: true, encoding: 'jpg', width: 64, height: 48, quality: 80, time: 200,
  });
});
