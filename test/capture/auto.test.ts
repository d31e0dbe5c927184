import t from 'tap';
import { symlinkSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { autoCandidates, createAutoSource, listVideoDevices, type AutoSourceOptions } from '../../agent/capture/auto.js';
import { createFrameSource } from '../../agent/capture/create-frame-source.js';
import { captureContext, configureFakes, fakeBin, testTiming, waitFor, writeJpegs } from './helpers.js';

// A PATH holding only the named fakes (as symlinks); `ffmpeg` and `gst-launch-1.0` link to /bin/true,
// enough for detection, which only looks programs up.
function pathWith(dir: string, names: string[]): string {
  mkdirSync(join(dir, 'bin', 'lib'), { recursive: true });
  symlinkSync(join(fakeBin, 'lib', 'fake-camera.mjs'), join(dir, 'bin', 'lib', 'fake-camera.mjs'));
  for (const name of names) symlinkSync(['ffmpeg', 'gst-launch-1.0'].includes(name) ? '/bin/true' : join(fakeBin, name), join(dir, 'bin', name));
  return join(dir, 'bin');
}

function auto(backends: AutoSourceOptions['backends'], extra: Partial<AutoSourceOptions> = {}): AutoSourceOptions {
  return { type: 'auto', name: 'cam', backends, cameraIndex: 0, mode: 'auto', inputFormat: 'mjpeg', width: 64, height: 48, fps: 30, ...testTiming, ...extra };
}

t.test('candidates follow capture.autoBackends, each only when present', async (t) => {
  const dir = t.testdir({ dev: { video2: '', video10: '', video0: '' } });
  const context = captureContext(pathWith(dir, ['rpicam-vid', 'raspistill', 'ffmpeg', 'gst-launch-1.0']), join(dir, 'dev'));
  t.same(autoCandidates(auto(['rpicam', 'raspistill', 'v4l2']), context).map((c) => c.type), ['rpicam', 'raspistill', 'v4l2']);
  t.same(autoCandidates(auto(['v4l2', 'rpicam']), context).map((c) => c.type), ['v4l2', 'rpicam'], 'the profile order, not a fixed one');
  t.same(autoCandidates(auto(['v4l2']), context).map((c) => c.type), ['v4l2'], 'backends left out are never tried');
  const [v4l2] = autoCandidates(auto(['v4l2']), context);
  t.equal(v4l2?.type === 'v4l2' ? v4l2.device : undefined, join(dir, 'dev', 'video0'), 'the lowest-numbered device');
  const [gst] = autoCandidates(auto(['gstreamer'], { cameraIndex: 1 }), context);
  t.match(gst?.type === 'gstreamer' ? gst.pipeline : '', /^nvarguscamerasrc sensor-id=1 ! video\/x-raw\(memory:NVMM\),width=64,height=48,framerate=30\/1 .* fdsink fd=1$/, 'the Jetson CSI pipeline');
  const [own] = autoCandidates(auto(['gstreamer'], { pipeline: 'videotestsrc ! jpegenc ! fdsink fd=1' }), context);
  t.equal(own?.type === 'gstreamer' ? own.pipeline : '', 'videotestsrc ! jpegenc ! fdsink fd=1', 'source.pipeline replaces it');
});

t.test('a v4l2 device without ffmpeg, or ffmpeg without a device, is not a candidate', async (t) => {
  const dir = t.testdir({ dev: { video0: '' }, empty: {} });
  t.same(autoCandidates(auto(['v4l2']), captureContext(pathWith(dir, []), join(dir, 'dev'))), []);
  const other = t.testdir({ empty: {} });
  t.same(autoCandidates(auto(['v4l2']), captureContext(pathWith(other, ['ffmpeg']), join(other, 'empty'))), []);
});

t.test('USB cameras listed under v4l/by-id come before bare /dev/videoN nodes', async (t) => {
  const dir = t.testdir({ dev: { video0: '', video4: '', v4l: { 'by-id': {} } } });
  symlinkSync(join(dir, 'dev', 'video4'), join(dir, 'dev', 'v4l', 'by-id', 'usb-Logitech_C920-video-index0'));
  symlinkSync(join(dir, 'dev', 'video0'), join(dir, 'dev', 'v4l', 'by-id', 'usb-Logitech_C920-video-index1'));
  t.same(listVideoDevices(join(dir, 'dev')), [join(dir, 'dev', 'video4'), join(dir, 'dev', 'video0')]);
});

t.test('nothing found is an environment error naming each configured backend and its fix', async (t) => {
  const dir = t.testdir({ dev: {} });
  const source = createAutoSource(auto(['gstreamer', 'v4l2']), captureContext(join(dir, 'empty'), join(dir, 'dev')));
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_NO_CAMERA', message: /capture\.autoBackends \[gstreamer, v4l2\].*gstreamer: gst-launch-1\.0.*v4l2: .*apt-get install ffmpeg/ });
});

t.test('auto picks and starts the fake rpicam camera through the factory', async (t) => {
  const dir = t.testdir({ dev: {} });
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const searchPath = [pathWith(dir, ['rpicam-vid', 'rpicam-still']), process.env['PATH'] ?? ''].join(delimiter);
  const source = createFrameSource(auto(['raspistill', 'rpicam']), captureContext(searchPath, join(dir, 'dev')));
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => count >= 2, 'two frames');
  t.equal(source.stats().backend, 'rpicam-vid');
  await source.stop();
  t.equal(source.stats().state, 'stopped');
});

t.test('the factory refuses an unknown type with the list of types', async (t) => {
  t.throws(() => createFrameSource({ type: 'webcam' } as never, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /Expected type to be one of files, rpicam, raspistill, v4l2, rtsp, http, gstreamer, auto but received "webcam"/ });
});
