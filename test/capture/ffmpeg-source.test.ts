import t from 'tap';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createFfmpegSource, ffmpegArgs, type V4l2SourceOptions } from '../../agent/capture/ffmpeg-source.js';
import type { Frame } from '../../agent/capture/frame.js';
import { withoutUrlCredentials } from '../../agent/support/redact.js';
import { captureContext, fakeBin, testTiming, waitFor } from './helpers.js';

// The fake ffmpeg swaps only the v4l2 input for ffmpeg's lavfi test pattern; the argument list
// the source builds, the real ffmpeg and everything after the input are the path a camera takes.
const fakeFfmpeg = join(fakeBin, 'ffmpeg-v4l2-lavfi');

function usb(device: string, extra: Partial<V4l2SourceOptions> = {}): V4l2SourceOptions {
  return { type: 'v4l2', name: 'usb', device, inputFormat: 'mjpeg', binary: fakeFfmpeg, width: 96, height: 64, fps: 20, ...testTiming, ...extra };
}

// A device node must be a character device under the context's device directory: a link to
// /dev/null in a test folder passes the same check a /dev/v4l/by-id link to /dev/video0 does.
function fakeDevice(dir: string): string {
  const device = join(dir, 'video0');
  symlinkSync('/dev/null', device);
  return device;
}

t.test('MJPEG from the camera is split into JPEGs that decode at the configured size', async (t) => {
  const dir = t.testdir();
  const source = createFfmpegSource(usb(fakeDevice(dir)), captureContext(undefined, dir));
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 5, 'five frames');
  await source.stop();
  t.match(source.stats().backend, /ffmpeg-v4l2-lavfi$/, 'the configured binary ran');
  t.equal(source.stats().restarts, 0);
  for (const frame of frames.slice(0, 5)) {
    t.equal(frame.image.kind, 'encoded');
    const meta = await sharp(frame.image.data).metadata();
    t.same([meta.format, meta.width, meta.height], ['jpeg', 96, 64]);
  }
});

t.test('inputFormat raw asks for yuyv422 and delivers raw frames of width*height*3 bytes', async (t) => {
  const dir = t.testdir();
  const options = usb(fakeDevice(dir), { inputFormat: 'raw' });
  t.same(ffmpegArgs(options).slice(4, 8), ['-f', 'v4l2', '-input_format', 'yuyv422']);
  const source = createFfmpegSource(options, captureContext(undefined, dir));
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

t.test('an input that ends (a camera unplugged) is restarted and counted through onRestart', async (t) => {
  process.env['FAKE_V4L2_TESTSRC'] = 'testsrc=size=96x64:rate=20:duration=0.3';
  t.teardown(() => {
    delete process.env['FAKE_V4L2_TESTSRC'];
  });
  const reasons: string[] = [];
  const dir = t.testdir();
  const source = createFfmpegSource(usb(fakeDevice(dir)), { ...captureContext(undefined, dir), onRestart: (reason) => reasons.push(reason) });
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => source.stats().restarts >= 2, 'two restarts');
  await source.stop();
  t.ok(count >= 3);
  t.match(source.stats().lastError, /ffmpeg-v4l2-lavfi for source "usb" exited with code 0/);
  t.same(reasons.slice(0, 2), ['exited', 'exited'], 'each restart reported with its reason');
});

t.test('network cameras get transport and rate arguments; v4l2 MJPEG is copied, not re-encoded', async (t) => {
  const format = { width: 640, height: 480, fps: 5, ...testTiming };
  const rtsp = ffmpegArgs({ type: 'rtsp', name: 'gate', url: 'rtsp://127.0.0.1:8554/cam', ...format });
  t.same(rtsp.slice(4, 10), ['-protocol_whitelist', 'tcp,tls,udp,rtp,srtp', '-rtsp_transport', 'tcp', '-i', 'rtsp://127.0.0.1:8554/cam']);
  t.ok(rtsp.includes('-r') && rtsp.includes('mjpeg'));
  const cam = ffmpegArgs({ type: 'v4l2', name: 'usb', device: '/dev/video0', inputFormat: 'mjpeg', ...format });
  t.same(cam.slice(4, 14), ['-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '640x480', '-framerate', '5', '-i', '/dev/video0']);
  t.same(cam.slice(-5), ['-c:v', 'copy', '-f', 'mjpeg', 'pipe:1']);
});

t.test('a missing device is a clear error naming the device and how to find cameras', async (t) => {
  const source = createFfmpegSource(usb('/dev/video-does-not-exist', { binary: 'ffmpeg' }), captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_DEVICE_NOT_FOUND', message: /\/dev\/video-does-not-exist .*ENOENT.*v4l2-ctl --list-devices/ });
});

t.test('a missing ffmpeg names the apt package', async (t) => {
  const dir = t.testdir();
  const source = createFfmpegSource(usb(fakeDevice(dir), { binary: 'ffmpeg' }), captureContext(dir, dir));
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_BINARY_NOT_FOUND', message: /ffmpeg not found on PATH .*apt-get install ffmpeg/ });
});

t.test('an unreachable stream fails start() with ffmpeg\'s own words', async (t) => {
  const source = createFfmpegSource({ type: 'http', name: 'ipcam', url: 'http://127.0.0.1:9/video.mjpg', width: 96, height: 64, fps: 5, ...testTiming }, captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_OPEN_FAILED', message: /ffmpeg for source "ipcam" exited with code \d+; stderr: .*(refused|Connection)/i });
});

t.test('credentials in a camera URL never reach the error, even when ffmpeg repeats the URL', async (t) => {
  const source = createFfmpegSource({ type: 'http', name: 'ipcam', url: 'http://viewer:s3cret-pw@127.0.0.1:9/video.mjpg', width: 96, height: 64, fps: 5, ...testTiming }, captureContext());
  const err = (await source.start().catch((e: unknown) => e)) as Error & { details: Record<string, unknown> };
  t.match(err.message, /ffmpeg for source "ipcam" exited/);
  t.notMatch(err.message, /s3cret-pw/);
  t.notMatch(JSON.stringify(err.details), /s3cret-pw/);
  t.comment(err.message);
});

t.test('withoutUrlCredentials keeps the URL and drops only user and password', async (t) => {
  t.equal(withoutUrlCredentials('rtsp://admin:pa55@10.0.0.5:554/s1: Connection refused'), 'rtsp://***@10.0.0.5:554/s1: Connection refused');
  t.equal(withoutUrlCredentials('http://cam.local/mjpeg'), 'http://cam.local/mjpeg');
});
