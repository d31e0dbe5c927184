import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FilesSource, filesPattern, listImageFiles } from '../../agent/capture/files-source.js';
import { LatestFrame } from '../../agent/capture/latest-frame.js';
import type { Frame } from '../../agent/capture/frame.js';
import { sharedImage, sharedImages } from '../helpers/shared.js';
import { captureContext, waitFor } from './helpers.js';

const imageNames = readdirSync(sharedImages).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();

t.test('a directory plays once, in name order, every file byte for byte (truncated.jpg too)', async (t) => {
  t.ok(imageNames.includes('truncated.jpg'));
  const source = new FilesSource({ type: 'files', name: 'demo', path: sharedImages, fps: 100, loop: false }, captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  let ended = false;
  source.onEnd(() => {
    ended = true;
  });
  await source.start();
  await waitFor(() => ended, 'the source to end');
  t.equal(frames.length, imageNames.length);
  for (const [i, name] of imageNames.entries()) {
    t.ok(frames[i]?.image.data.equals(readFileSync(sharedImage(name))), name);
  }
  t.same(frames.map((f) => f.seq), imageNames.map((_, i) => i));
  t.equal(source.stats().state, 'ended');
  t.equal(source.stats().errors, 0, 'undecodable bytes are not the source\'s error');
  await source.stop();
});

t.test('looping starts again after the last file', async (t) => {
  const source = new FilesSource({ type: 'files', name: 'demo', path: sharedImages, fps: 1000, loop: true }, captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= imageNames.length * 2 + 1, 'two passes');
  await source.stop();
  const n = imageNames.length;
  t.ok(frames[n]?.image.data.equals(frames[0]?.image.data as Buffer), 'second pass begins with the first file');
  t.ok(frames[2 * n]?.image.data.equals(frames[0]?.image.data as Buffer));
  t.equal(source.stats().state, 'stopped');
});

t.test('a glob selects files, relative to path when both are given', async (t) => {
  const pattern = filesPattern({ name: 'demo', path: sharedImages, glob: '*.png' });
  t.equal(pattern, join(sharedImages, '*.png'));
  const files = await listImageFiles(pattern);
  t.same(files.map((f) => f.slice(sharedImages.length + 1)), imageNames.filter((n) => n.endsWith('.png')));
});

t.test('a path with no images is an input error, not a hang', async (t) => {
  const source = new FilesSource({ type: 'files', name: 'drop', path: t.testdir({ 'notes.txt': 'x' }), fps: 10, loop: false }, captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_NO_FILES', message: /Expected image files .* but found none/ });
  t.throws(() => new FilesSource({ type: 'files', name: 'drop', path: '.', fps: -2, loop: false }, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /fps/ });
  t.throws(() => new FilesSource({ type: 'files', name: 'drop', fps: 1, loop: false }, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /Expected path or glob/ });
});

t.test('latest-frame-wins: a slow consumer gets the newest frame and the rest are counted as dropped', async (t) => {
  const source = new FilesSource({ type: 'files', name: 'demo', path: sharedImages, fps: 1000, loop: false }, captureContext());
  const latest = new LatestFrame(source);
  await source.start();
  let ended = false;
  source.onEnd(() => {
    ended = true;
  });
  await waitFor(() => ended, 'the source to end without anyone reading');
  const seen: number[] = [];
  for await (const frame of latest) seen.push(frame.seq);
  t.same(seen, [imageNames.length - 1], 'only the newest frame was kept');
  t.equal(latest.dropped, imageNames.length - 1);
  await source.stop();
});
