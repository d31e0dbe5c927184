import t from 'tap';
import { symlinkSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { autoCandidates, createAutoSource, listVideoDevices } from '../../agent/capture/auto.js';
import { createFrameSource } from '../../agent/capture/create-frame-source.js';
import { captureContext, configureFakes, fakeBin, waitFor, writeJpegs } from './helpers.js';

// A PATH holding only the named fakes (copied as symlinks), plus the directory holding node.
function pathWith(dir: string, names: string[]): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'bin', 'lib'), { recursive: true });
  symlinkSync(join(fakeBin, 'lib', 'fake-camera.mjs'), join(dir, 'bin', 'lib', 'fake-camera.mjs'));
  for (const name of names) symlinkSync(join(fakeBin, name), join(dir, 'bin', name));
  return [join(dir, 'bin')].join(delimiter);
}

t.test('candidates come in the order rpicam, raspistill, first V4L2 device', async (t) => {
  const dir = t.testdir({ dev: { video2: '', video10: '', video0: '' } });
  const all = autoCandidates({ kind: 'auto', name: 'cam', devDir: join(dir, 'dev') }, captureContext(pathWith(dir, ['rpicam-vid', 'raspistill'])));
  t.same(all.map((c) => c.kind), ['rpicam', 'raspistill', 'v4l2']);
  t.same(all[2], { kind: 'v4l2', name: 'cam', device: join(dir, 'dev', 'video0') });
});

t.test('USB cameras listed under v4l/by-id come before bare /dev/videoN nodes', async (t) => {
  const dir = t.testdir({ dev: { video0: '', video4: '', v4l: { 'by-id': {} } } });
  symlinkSync(join(dir, 'dev', 'video4'), join(dir, 'dev', 'v4l', 'by-id', 'usb-Logitech_C920-video-index0'));
  symlinkSync(join(dir, 'dev', 'video0'), join(dir, 'dev', 'v4l', 'by-id', 'usb-Logitech_C920-video-index1'));
  t.same(listVideoDevices(join(dir, 'dev')), [join(dir, 'dev', 'video4'), join(dir, 'dev', 'video0')]);
});

t.test('nothing found is an environment error listing every fix', async (t) => {
  const dir = t.testdir({ dev: {} });
  const source = createAutoSource({ kind: 'auto', name: 'cam', devDir: join(dir, 'dev') }, captureContext(join(dir, 'empty')));
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_NO_CAMERA', message: /apt-get install rpicam-apps.*apt-get install ffmpeg.*kind: gstreamer/ });
});

t.test('auto picks and starts the fake rpicam camera through the factory', async (t) => {
  const dir = t.testdir({ dev: {} });
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const searchPath = [pathWith(dir, ['rpicam-vid', 'rpicam-still']), process.env['PATH'] ?? ''].join(delimiter);
  const source = createFrameSource({ kind: 'auto', name: 'cam', framesPerSecond: 30, devDir: join(dir, 'dev') }, captureContext(searchPath));
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => count >= 2, 'two frames');
  t.equal(source.stats().backend, 'rpicam-vid');
  await source.stop();
  t.equal(source.stats().state, 'stopped');
});

t.test('the factory refuses an unknown kind with the list of kinds', async (t) => {
  t.throws(() => createFrameSource({ kind: 'webcam' } as never, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /Expected kind to be one of files, rpicam, raspistill, v4l2, rtsp, http, gstreamer, auto but received "webcam"/ });
});
