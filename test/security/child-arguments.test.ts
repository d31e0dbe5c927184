/**
 * No configuration value becomes a camera program's option or reaches a protocol or file it should
 * not: tested at the configuration (cross-checks) and again at the source, against the real ffmpeg
 * and gst-launch-1.0 where a real one shows the difference.
 */
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { createFfmpegSource, ffmpegArgs } from '../../agent/capture/ffmpeg-source.js';
import { FilesSource } from '../../agent/capture/files-source.js';
import type { Frame } from '../../agent/capture/frame.js';
import { createGstreamerSource } from '../../agent/capture/gstreamer-source.js';
import { crossCheck } from '../../agent/config/cross-checks.js';
import type { AgentConfig } from '../../agent/config/schema.js';
import { checkMerged } from '../../agent/config/validate.js';
import { findExecutable } from '../../agent/support/executables.js';
import { captureContext, testTiming, waitFor } from '../capture/helpers.js';

const format = { width: 96, height: 64, fps: 10, ...testTiming };
const hasGst = findExecutable('gst-launch-1.0', process.env['PATH'] ?? '') !== undefined;

/** The cross-check sentences for one camera source (the schema fills the defaults first). */
function configProblems(source: Record<string, unknown>): string[] {
  const config: Record<string, unknown> = { cameras: [{ name: 'cam', source, models: [{ id: 'm' }] }] };
  const schema = checkMerged(config);
  if (schema.length > 0) return schema.map((p) => p.message);
  return crossCheck(config as unknown as AgentConfig).map((p) => p.message);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

t.test('a GStreamer pipeline holding a gst-launch option is refused at load and before any spawn', async (t) => {
  const pipeline = 'videotestsrc num-buffers=1 ! jpegenc ! fdsink fd=1 --gst-plugin-load=/tmp/evil.so';
  const [problem] = configProblems({ type: 'gstreamer', pipeline });
  t.equal(problem, 'Expected cameras[0].source.pipeline to hold only GStreamer elements, caps, properties and "!" but received the gst-launch option "--gst-plugin-load=/tmp/evil.so"; options cannot be set through the configuration');
  t.same(configProblems({ type: 'auto', pipeline: '-e videotestsrc ! fakesink' }).length, 1, 'auto uses source.pipeline too');
  t.throws(() => createGstreamerSource({ type: 'gstreamer', name: 'csi', pipeline, ...testTiming }, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION' });
  t.same(configProblems({ type: 'gstreamer', pipeline: 'videotestsrc pattern=ball ! video/x-raw,width=-1 ! jpegenc ! fdsink fd=1' }), [], 'a property value may hold "-"');
});

t.test('the real gst-launch-1.0 would have read that token as an option (why it is refused)', { skip: hasGst ? false : 'gst-launch-1.0 not installed' }, async (t) => {
  const dir = t.testdir();
  const fakePlugin = join(dir, 'evil.so');
  writeFileSync(fakePlugin, 'not a shared object');
  const run = spawnSync('gst-launch-1.0', ['-q', 'fakesrc', 'num-buffers=1', '!', 'fakesink', `--gst-plugin-load=${fakePlugin}`], { encoding: 'utf8', timeout: 60_000 });
  t.match(`${run.stdout}${run.stderr}`, fakePlugin, 'gst-launch tried to load the named file as a plugin');
});

t.test('camera URLs: only the type\'s schemes, never a leading "-"', async (t) => {
  t.match(configProblems({ type: 'http', url: 'file:///etc/passwd' })[0], /source.url to be an http:\/\/ or https:\/\/ URL but received "file:\/\/\/etc\/passwd": its scheme is file/);
  t.match(configProblems({ type: 'rtsp', url: 'http://cam/x' })[0], /its scheme is http, and a rtsp camera takes only rtsp or rtsps/);
  t.match(configProblems({ type: 'rtsp', url: '-i' })[0], /starts with "-"/);
  t.match(configProblems({ type: 'rtsp', url: 'rtsp://u:pw9@cam/s', binary: '--help' })[0], /binary to be a program name or path but received "--help"/);
  t.same(configProblems({ type: 'rtsp', url: 'rtsps://u:pw9@cam:322/s' }), []);
  t.same(configProblems({ type: 'http', url: 'https://cam.local/mjpeg' }), []);
  t.throws(() => createFfmpegSource({ type: 'http', name: 'ip', url: 'file:///etc/passwd', ...format }, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /its scheme is file/ });
  t.throws(() => createFfmpegSource({ type: 'rtsp', name: 'ip', url: 'concat:/etc/passwd', ...format }, captureContext()), { code: 'EDGE_CAPTURE_INVALID_OPTION' });
});

t.test('ffmpeg gets a protocol whitelist per source type, without file', async (t) => {
  const rtsp = ffmpegArgs({ type: 'rtsp', name: 'ip', url: 'rtsp://cam/s', ...format });
  const http = ffmpegArgs({ type: 'http', name: 'ip', url: 'http://cam/s', ...format });
  t.equal(rtsp[rtsp.indexOf('-protocol_whitelist') + 1], 'tcp,tls,udp,rtp,srtp');
  t.equal(http[http.indexOf('-protocol_whitelist') + 1], 'http,https,tcp,tls');
  t.ok(http.indexOf('-protocol_whitelist') < http.indexOf('-i'), 'an input option, before -i');
});

t.test('real ffmpeg: an http camera streams MJPEG under the whitelist; file: is refused by it', async (t) => {
  const dir = t.testdir();
  const jpeg = await sharp({ create: { width: 96, height: 64, channels: 3, background: 'red' } }).jpeg().toBuffer();
  const segment = join(dir, 'local.ts');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=10:duration=1', '-f', 'mpegts', segment]);
  const server = createServer((req, res) => {
    if (req.url === '/list.m3u8') {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', connection: 'close' });
      res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://${segment}\n#EXT-X-ENDLIST\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame' });
    const timer = setInterval(() => res.write(Buffer.concat([Buffer.from(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`), jpeg, Buffer.from('\r\n')])), 100);
    res.on('close', () => clearInterval(timer));
  });
  const port = await listen(server);
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });

  const camera = createFfmpegSource({ type: 'http', name: 'ip', url: `http://127.0.0.1:${port}/mjpeg`, ...format }, captureContext());
  const frames: Frame[] = [];
  camera.onFrame((f) => frames.push(f));
  await camera.start();
  await waitFor(() => frames.length >= 2, 'two frames over http');
  await camera.stop();
  t.ok(frames.length >= 2, 'MJPEG over http passes the whitelist');

  // A playlist whose segment is a local file: ffmpeg names the agent's whitelist when it refuses.
  const playlist = createFfmpegSource({ type: 'http', name: 'ip', url: `http://127.0.0.1:${port}/list.m3u8`, ...format }, captureContext());
  const err = (await playlist.start().catch((e: unknown) => e)) as Error;
  t.match(err.message, "Protocol 'file' not on whitelist 'http,https,tcp,tls'");
  // The URL check bypassed: the agent's own arguments still keep ffmpeg off the file.
  const args = ffmpegArgs({ type: 'http', name: 'ip', url: `file://${segment}`, ...format }).map((a) => (a === 'pipe:1' ? '-' : a));
  const direct = spawnSync('ffmpeg', [...args.slice(0, -3), '-frames:v', '1', '-f', 'null', '-'], { encoding: 'utf8', timeout: 60_000 });
  t.not(direct.status, 0);
  t.match(direct.stderr, "Protocol 'file' not on whitelist");
});

t.test('v4l2 devices: a character device under the device directory, nothing else', async (t) => {
  const dev = t.testdir();
  mkdirSync(join(dev, 'v4l'));
  symlinkSync('/dev/null', join(dev, 'video0'));
  writeFileSync(join(dev, 'video1'), 'a regular file');
  const usb = (device: string) => createFfmpegSource({ type: 'v4l2', name: 'usb', device, inputFormat: 'mjpeg', binary: 'ffmpeg', ...format }, captureContext(undefined, dev));
  await t.rejects(usb(join(dev, 'video1')).start(), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /to be a character device .*video1: it is not a character device/ });
  await t.rejects(usb('/etc/passwd').start(), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: new RegExp(`to be a video device under ${dev}.*it is not under`) });
  await t.rejects(usb(`${dev}/v4l/../../../etc/passwd`).start(), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: /not a normalised path/ });
  t.match(configProblems({ type: 'v4l2', device: '-f' })[0], /device to be a video device under \/dev .* starts with "-"/);
  t.match(configProblems({ type: 'v4l2', device: '/proc/self/environ' })[0], /it is not under \/dev\//);
  t.same(configProblems({ type: 'v4l2', device: '/dev/v4l/by-id/usb-cam-video-index0' }), []);
});

t.test('files: a special file as path is a clear error, and a glob skips special files', async (t) => {
  const zero = new FilesSource({ type: 'files', name: 'drop', path: '/dev/zero', fps: 5, loop: false }, captureContext());
  await t.rejects(zero.start(), { code: 'EDGE_CAPTURE_INVALID_OPTION', message: 'Expected path of files source "drop" to be a directory, an image file or a glob but /dev/zero is a character device' });
  t.equal(zero.stats().state, 'stopped');
  const globbed = new FilesSource({ type: 'files', name: 'drop', glob: '/dev/zer?', fps: 5, loop: false }, captureContext());
  await t.rejects(globbed.start(), { code: 'EDGE_CAPTURE_NO_FILES' });
  const dir = t.testdir();
  execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
  const fifo = new FilesSource({ type: 'files', name: 'drop', glob: '*.jpg', path: dir, fps: 5, loop: false }, captureContext());
  await t.rejects(fifo.start(), { code: 'EDGE_CAPTURE_NO_FILES' }, 'a FIFO named like an image is not read');
});
