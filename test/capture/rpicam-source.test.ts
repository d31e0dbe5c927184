import t from 'tap';
import { join } from 'node:path';
import { hasCode } from '../../agent/errors/agent-error.js';
import { createRpicamSource, type RpicamSourceOptions } from '../../agent/capture/rpicam-source.js';
import type { Frame } from '../../agent/capture/frame.js';
import { captureContext, configureFakes, fakeRuns, isAlive, testTiming, waitFor, writeJpegs } from './helpers.js';

// Generous timeouts: a slow machine must not turn a healthy stream into a stall. Only the stall
// test shortens the stall timeout, and it asserts that stalls happen, not how fast frames come.
function options(extra: Partial<RpicamSourceOptions> = {}): RpicamSourceOptions {
  return { type: 'rpicam', name: 'front', mode: 'video', cameraIndex: 0, fps: 50, width: 64, height: 48, ...testTiming, ...extra };
}

t.test('rpicam-vid MJPEG on stdout becomes frames byte-identical to what the camera wrote', async (t) => {
  const dir = t.testdir();
  const jpegs = await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const source = createRpicamSource(options(), captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 6, 'six frames');
  await source.stop();
  t.same(frames.slice(0, 6).map((f) => f.seq), [0, 1, 2, 3, 4, 5]);
  t.ok(frames.slice(0, 6).every((f, i) => f.image.kind === 'encoded' && f.image.data.equals(jpegs[i % 3] as Buffer)));
  t.ok(frames.every((f) => f.source === 'front'));
  const stats = source.stats();
  t.equal(stats.backend, 'rpicam-vid');
  t.equal(stats.state, 'stopped');
  t.equal(stats.restarts, 0);
  const runs = fakeRuns(join(dir, 'runs'));
  t.equal(runs.length, 1);
  t.same(runs[0]?.argv.slice(0, 6), ['--nopreview', '--timeout', '0', '--codec', 'mjpeg', '--quality']);
  t.ok(runs[0]?.argv.includes('--output'));
  t.notOk(isAlive(runs[0]?.pid ?? 0), 'the camera process is gone after stop');
});

t.test('garbage around frames (multipart boundaries) is dropped and counted', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'), 'garbage');
  const source = createRpicamSource(options(), captureContext());
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => count >= 3, 'three frames');
  await source.stop();
  t.ok(source.stats().droppedBytes > 0);
  t.equal(source.stats().errors, 0);
});

t.test('a stream that stalls is killed, restarted and counted', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'), 'stall-after:2');
  const source = createRpicamSource(options({ stallTimeoutMs: 400 }), captureContext());
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => source.stats().stalls >= 2 && count >= 4, 'two stalls and frames after a restart');
  await source.stop();
  const stats = source.stats();
  t.ok(stats.restarts >= 2);
  t.ok(stats.errors >= 2);
  t.match(stats.lastError, /delivered no frame within stallTimeoutMs 400/);
  const runs = fakeRuns(join(dir, 'runs'));
  t.ok(runs.length >= 2, 'a new process per restart');
  t.ok(runs.every((r) => !isAlive(r.pid)), 'no process left behind');
});

t.test('a stream that dies is restarted with backoff and counted', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'), 'die-after:3');
  const source = createRpicamSource(options(), captureContext());
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => source.stats().restarts >= 2, 'two restarts');
  await source.stop();
  const stats = source.stats();
  t.equal(stats.stalls, 0);
  t.ok(count >= 6, 'frames from more than one run');
  t.match(stats.lastError, /rpicam-vid for source "front" exited with code 3; stderr: fake rpicam-vid: camera unplugged/);
  t.ok(fakeRuns(join(dir, 'runs')).every((r) => !isAlive(r.pid)));
});

t.test('a camera that cannot open fails start() with its stderr, and leaves no process', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'), 'fail');
  const source = createRpicamSource(options(), captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_OPEN_FAILED', message: /no cameras available/ });
  t.equal(source.stats().state, 'stopped');
});

t.test('a camera that never sends a frame fails start() after openTimeoutMs instead of hanging', async (t) => {
  const dir = t.testdir();
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'), 'hang');
  const source = createRpicamSource(options({ openTimeoutMs: 300 }), captureContext());
  await t.rejects(source.start(), { code: 'EDGE_CAPTURE_OPEN_FAILED', message: /first frame within openTimeoutMs 300/ });
  await waitFor(() => fakeRuns(join(dir, 'runs')).every((r) => !isAlive(r.pid)), 'the hung process to be killed');
  t.pass('killed');
});

t.test('a missing rpicam-vid is an environment error naming the package', async (t) => {
  const source = createRpicamSource(options(), captureContext(t.testdir()));
  const err: unknown = await source.start().catch((e: unknown) => e);
  t.ok(hasCode(err, 'EDGE_CAPTURE_BINARY_NOT_FOUND'));
  t.match((err as Error).message, /rpicam-vid or libcamera-vid not found on PATH .*apt-get install rpicam-apps/);
  t.equal((err as { kind: string }).kind, 'environment');
});

t.test('still mode runs rpicam-still once per frame', async (t) => {
  const dir = t.testdir();
  const jpegs = await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  const source = createRpicamSource(options({ mode: 'still' }), captureContext());
  const frames: Frame[] = [];
  source.onFrame((f) => frames.push(f));
  await source.start();
  await waitFor(() => frames.length >= 3, 'three stills');
  await source.stop();
  t.equal(source.stats().backend, 'rpicam-still');
  t.ok(frames.every((f) => f.image.kind === 'encoded' && f.image.data.equals(jpegs[0] as Buffer)));
  const runs = fakeRuns(join(dir, 'runs'));
  t.ok(runs.length >= 3, 'one process per still');
  t.ok(runs.every((r) => r.program === 'rpicam-still' && r.argv.includes('--thumb')));
});

t.test('auto mode falls back to rpicam-still when rpicam-vid cannot open', async (t) => {
  const dir = t.testdir({ bin: {} });
  await writeJpegs(join(dir, 'frames'));
  configureFakes(join(dir, 'frames'), join(dir, 'runs'));
  // A video binary that exits at once stands in for a camera the video pipeline cannot open.
  const source = createRpicamSource(options({ mode: 'auto', binary: '/bin/false' }), captureContext());
  let count = 0;
  source.onFrame(() => count++);
  await source.start();
  await waitFor(() => count >= 2, 'two stills');
  t.equal(source.stats().backend, 'rpicam-still');
  await source.stop();
  t.equal(source.stats().state, 'stopped');
});

t.test('invalid options are config errors naming the key', async (t) => {
  t.throws(() => createRpicamSource(options({ width: -1 }), captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /Expected positive number for width of source "front" but received -1 of type number/ });
  t.throws(() => createRpicamSource(options({ stallTimeoutMs: 0 }), captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /stallTimeoutMs/ });
});
