import t from 'tap';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentError } from '../../agent/errors/agent-error.js';
import { createFrameSource } from '../../agent/capture/create-frame-source.js';
import type { V4l2SourceOptions } from '../../agent/capture/ffmpeg-source.js';
import { isPermanentCaptureFailure, ReopeningFrameSource } from '../../agent/capture/reopening-source.js';
import { captureContext, fakeBin, testTiming, waitFor } from './helpers.js';

function usb(device: string, binary = join(fakeBin, 'ffmpeg-v4l2-lavfi')): V4l2SourceOptions {
  return { type: 'v4l2', name: 'usb', device, inputFormat: 'mjpeg', binary, width: 96, height: 64, fps: 20, ...testTiming };
}

t.test('a USB camera plugged in after start is opened on a later try, and each failed try is reported', async (t) => {
  const dir = t.testdir();
  const device = join(dir, 'video0');
  const restarts: string[] = [];
  const context = { ...captureContext(undefined, dir), onRestart: (reason: string, cause: AgentError) => restarts.push(`${reason} ${cause.code}`) };
  const source = new ReopeningFrameSource({ name: 'usb', create: () => createFrameSource(usb(device), context), backoff: { initialMs: 50, maxMs: 200 } }, context);
  let frames = 0;
  source.onFrame(() => frames++);
  await source.start();
  t.equal(frames, 0, 'start resolved without a camera');
  await waitFor(() => restarts.length >= 2, 'two failed tries');
  t.same(restarts.slice(0, 2), ['failed-to-start EDGE_CAPTURE_DEVICE_NOT_FOUND', 'failed-to-start EDGE_CAPTURE_DEVICE_NOT_FOUND']);
  t.equal(source.stats().state, 'restarting');
  t.match(source.stats().lastError, /video0 .*ENOENT/);
  symlinkSync('/dev/null', device); // the camera appears (a character device, as a real one is)
  await waitFor(() => frames >= 3, 'frames from the camera that appeared');
  t.equal(source.stats().state, 'running');
  await source.stop();
  t.equal(source.stats().state, 'stopped');
});

t.test('a missing program is given up at once: start rejects, onFailed is told, nothing is retried', async (t) => {
  const device = join(t.testdir(), 'video0');
  symlinkSync('/dev/null', device);
  const failed: string[] = [];
  let restarts = 0;
  const context = { ...captureContext(t.testdir()), onFailed: (cause: AgentError) => failed.push(cause.code), onRestart: () => restarts++ };
  const source = new ReopeningFrameSource({ name: 'usb', create: () => createFrameSource(usb(device, 'ffmpeg'), context), backoff: { initialMs: 10, maxMs: 10 } }, context);
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_BINARY_NOT_FOUND' });
  t.same(failed, ['EDGE_CAPTURE_BINARY_NOT_FOUND']);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(restarts, 0);
  await source.stop();
});

t.test('stop() during the wait between tries cancels the next try', async (t) => {
  let creates = 0;
  const context = captureContext();
  const source = new ReopeningFrameSource({ name: 'usb', create: () => { creates++; return createFrameSource(usb('/dev/video-not-here'), context); }, backoff: { initialMs: 200, maxMs: 200 } }, context);
  let ended = false;
  source.onEnd(() => {
    ended = true;
  });
  await source.start();
  await source.stop();
  await new Promise((r) => setTimeout(r, 400));
  t.equal(creates, 1, 'no try after stop');
  t.ok(ended, 'end listeners told');
});

t.test('which failures are permanent', async (t) => {
  const context = captureContext(t.testdir());
  const missing = await createFrameSource(usb('/dev/null', 'ffmpeg'), context).start().catch((e: unknown) => e);
  t.ok(isPermanentCaptureFailure(missing), 'a missing program');
  const invalid = (() => {
    try {
      createFrameSource({ ...usb('/dev/null'), fps: 0 }, context);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.ok(isPermanentCaptureFailure(invalid), 'an invalid option');
  const absent = await createFrameSource(usb('/dev/video-not-here'), captureContext()).start().catch((e: unknown) => e);
  t.notOk(isPermanentCaptureFailure(absent), 'a device that is not there yet');
});
