import t from 'tap';
import sharp from 'sharp';
import { createGstreamerSource, gstreamerArgs, jetsonCsiPipeline } from '../../agent/capture/gstreamer-source.js';
import { findExecutable } from '../../agent/support/executables.js';
import type { Frame } from '../../agent/capture/frame.js';
import { captureContext, waitFor } from './helpers.js';

const timing = { openTimeoutMs: 30_000, stallTimeoutMs: 30_000, restartBackoffInitialMs: 50, restartBackoffMaxMs: 200 };

t.test('the Jetson CSI pipeline auto builds writes JPEG to stdout', async (t) => {
  const args = gstreamerArgs({ type: 'gstreamer', name: 'csi', pipeline: jetsonCsiPipeline({ cameraIndex: 1, width: 1920, height: 1080, fps: 15 }), ...timing });
  t.same(args.slice(0, 3), ['-q', 'nvarguscamerasrc', 'sensor-id=1']);
  t.ok(args.includes('video/x-raw(memory:NVMM),width=1920,height=1080,framerate=15/1'));
  t.same(args.slice(-2), ['fdsink', 'fd=1']);
});

// videotestsrc replaces nvarguscamerasrc; the rest is the path a Jetson takes.
t.test('a configured pipeline through the real gst-launch-1.0 yields JPEG frames', { skip: findExecutable('gst-launch-1.0', process.env['PATH'] ?? '') === undefined ? 'gst-launch-1.0 not installed (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good)' : false }, async (t) => {
  const source = createGstreamerSource(
    {
      type: 'gstreamer', name: 'csi', ...timing,
      pipeline: 'videotestsrc is-live=true ! video/x-raw,width=80,height=60,framerate=20/1 ! jpegenc ! fdsink fd=1',
    },
    captureContext(),
  );
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 3, 'three frames');
  await source.stop();
  const meta = await sharp(frames[2]?.image.data as Buffer).metadata();
  t.same([meta.format, meta.width, meta.height], ['jpeg', 80, 60]);
  t.equal(source.stats().backend, 'gst-launch-1.0');
});

t.test('a pipeline with a missing element fails start() with GStreamer\'s message', { skip: findExecutable('gst-launch-1.0', process.env['PATH'] ?? '') === undefined }, async (t) => {
  const pipeline = jetsonCsiPipeline({ cameraIndex: 0, width: 1280, height: 720, fps: 10 });
  const source = createGstreamerSource({ type: 'gstreamer', name: 'csi', pipeline, ...timing }, captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_OPEN_FAILED', message: /nvarguscamerasrc/ });
});
