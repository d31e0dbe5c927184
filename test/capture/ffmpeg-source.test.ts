import t from 'tap';
import sharp from 'sharp';
import { createFfmpegSource, ffmpegArgs, type V4l2SourceOptions } from '../../agent/capture/ffmpeg-source.js';
import type { Frame } from '../../agent/capture/frame.js';
import { captureContext, waitFor } from './helpers.js';

const fast = { openTimeoutMs: 15_000, stallTimeoutMs: 5000, restartBackoff: { initialMs: 50, maxMs: 200 }, killTimeoutMs: 1000 };

// ffmpeg's lavfi test pattern stands in for /dev/video0; everything after the input is the real v4l2 path.
function lavfi(extra: Partial<V4l2SourceOptions> = {}, testsrc = 'testsrc=size=160x120:rate=20'): V4l2SourceOptions {
  return { kind: 'v4l2', name: 'usb', device: '/dev/video-unused', width: 96, height: 64, inputArgs: ['-re', '-f', 'lavfi', '-i', testsrc], ...fast, ...extra };
}

t.test('ffmpeg MJPEG output is split into JPEGs that decode at the configured size', async (t) => {
  const source = createFfmpegSource(lavfi(), captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 5, 'five frames');
  await source.stop();
  t.equal(source.stats().backend, 'ffmpeg');
  t.equal(source.stats().restarts, 0);
  for (const frame of frames.slice(0, 5)) {
    t.equal(frame.image.kind, 'encoded');
    const meta = await sharp(frame.image.data).metadata();
    t.same([meta.format, meta.width, meta.height], ['jpeg', 96, 64]);
  }
});

t.test('rgb output delivers raw frames of width*height*3 bytes', async (t) => {
  const source = createFfmpegSource(lavfi({ output: 'rgb' }), captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 3, 'three frames');
  await source.stop();
  const image = frames[0]?.image;
  t.equal(image?.kind, 'raw');
  if (image?.kind === 'raw') {
    t.same([image.width, image.height, image.channels, image.data.length], [96, 64, 3, 96 * 64 * 3]);
    // testsrc is colourful; an all-zero buffer would mean a misaligned or empty frame.
    t.ok(image.data.some((b) => b > 0));
  }
});

t.test('an input that ends (a dropped RTSP session) is restarted and counted', async (t) => {
  const source = createFfmpegSource(lavfi({}, 'testsrc=size=160x120:rate=20:duration=0.3'), captureContext());
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => source.stats().restarts >= 2, 'two restarts');
  await source.stop();
  t.ok(count >= 3);
  t.match(source.stats().lastError, /ffmpeg for source "usb" exited with code 0/);
});

t.test('network cameras get transport and rate arguments; v4l2 MJPEG is copied, not re-encoded', async (t) => {
  const rtsp = ffmpegArgs({ kind: 'rtsp', name: 'gate', url: 'rtsp://127.0.0.1:8554/cam', framesPerSecond: 5 });
  t.same(rtsp.slice(4, 8), ['-rtsp_transport', 'tcp', '-i', 'rtsp://127.0.0.1:8554/cam']);
  t.ok(rtsp.includes('-r') && rtsp.includes('mjpeg'));
  const usb = ffmpegArgs({ kind: 'v4l2', name: 'usb', device: '/dev/video0' });
  t.same(usb.slice(4, 14), ['-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '640x480', '-framerate', '10', '-i', '/dev/video0']);
  t.same(usb.slice(-5), ['-c:v', 'copy', '-f', 'mjpeg', 'pipe:1']);
});

t.test('a missing device is a clear error naming the device and how to find cameras', async (t) => {
  const source = createFfmpegSource({ kind: 'v4l2', name: 'usb', device: '/dev/video-does-not-exist' }, captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_DEVICE_NOT_FOUND', message: /\/dev\/video-does-not-exist .*ENOENT.*v4l2-ctl --list-devices/ });
});

t.test('a missing ffmpeg names the apt package', async (t) => {
  const source = createFfmpegSource(lavfi(), captureContext(t.testdir()));
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_BINARY_NOT_FOUND', message: /ffmpeg not found on PATH .*apt-get install ffmpeg/ });
});

t.test('an unreachable stream fails start() with ffmpeg\'s own words', async (t) => {
  const source = createFfmpegSource({ kind: 'http', name: 'ipcam', url: 'http://127.0.0.1:9/video.mjpg', ...fast }, captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_OPEN_FAILED', message: /ffmpeg for source "ipcam" exited with code \d+; stderr: .*(refused|Connection)/i });
});
