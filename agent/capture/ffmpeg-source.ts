/**
 * Cameras read through ffmpeg: USB cameras (`-f v4l2`) and IP cameras (RTSP, HTTP MJPEG). ffmpeg
 * writes MJPEG (or, for a V4L2 camera asked for raw frames, raw RGB) to stdout and the process is
 * supervised by ProcessStreamSource.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { cameraUrlProblem, devicePathProblem, ffmpegProtocols } from '../support/child-arguments.js';
import { captureErrors } from './errors.js';
import { requireExecutable } from './executable.js';
import { ffmpegJpegQScale, maxFrameBytes, rtspTransport, v4l2RawPixelFormat } from './fixed-values.js';
import type { FrameSource } from './frame-source.js';
import { RawFrameSplitter, type FrameSplitter } from './frame-splitter.js';
import type { FrameImage } from './frame.js';
import { MjpegSplitter } from './mjpeg-splitter.js';
import { ProcessStreamSource } from './process-stream-source.js';
import { checkFormat, checkTiming, type CaptureContext, type SourceFormat, type SourceTiming } from './source-options.js';

/** Options shared by every ffmpeg-backed source (the config's `source` keys, resolved). */
export interface FfmpegCommonOptions extends SourceTiming, SourceFormat {
  name: string;
  /** ffmpeg program instead of `ffmpeg` on PATH; a name or an absolute path. */
  binary?: string;
}

/** Options of `type: v4l2`: a USB camera. */
export interface V4l2SourceOptions extends FfmpegCommonOptions {
  type: 'v4l2';
  /** Device node, e.g. `/dev/video0` or a stable `/dev/v4l/by-id/...` link. */
  device: string;
  /** `mjpeg`: ask for MJPEG and copy it; `raw`: ask for yuyv422 and hand on raw RGB frames. */
  inputFormat: 'mjpeg' | 'raw';
}

/** Options of `type: rtsp` or `type: http`: an IP camera. */
export interface NetworkCameraSourceOptions extends FfmpegCommonOptions {
  type: 'rtsp' | 'http';
  /** Stream address; credentials in it end up in ffmpeg's argv, visible to local users in `ps`. */
  url: string;
}

/** Any ffmpeg-backed source's options. */
export type FfmpegSourceOptions = V4l2SourceOptions | NetworkCameraSourceOptions;

const installFix = 'install it with `apt-get install ffmpeg`';

function inputArgsFor(options: FfmpegSourceOptions): string[] {
  if (options.type === 'v4l2') {
    return [
      '-f', 'v4l2',
      '-input_format', options.inputFormat === 'raw' ? v4l2RawPixelFormat : 'mjpeg',
      '-video_size', `${options.width}x${options.height}`,
      '-framerate', String(options.fps),
      '-i', options.device,
    ];
  }
  // Only the protocols the stream needs: never `file`, so no playlist or redirect reads local files.
  const protocols = ['-protocol_whitelist', ffmpegProtocols[options.type]];
  if (options.type === 'rtsp') return [...protocols, '-rtsp_transport', rtspTransport, '-i', options.url];
  return [...protocols, '-i', options.url];
}

function rawOutput(options: FfmpegSourceOptions): boolean {
  return options.type === 'v4l2' && options.inputFormat === 'raw';
}

/** The full ffmpeg argument list for these options (exported for tests and `edge-agent doctor`). */
export function ffmpegArgs(options: FfmpegSourceOptions): string[] {
  const common = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgsFor(options), '-an'];
  const scale = ['-vf', `scale=${options.width}:${options.height}`];
  if (rawOutput(options)) return [...common, ...scale, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
  // A V4L2 camera that sends MJPEG at the asked size is copied, not re-encoded.
  if (options.type === 'v4l2') return [...common, '-c:v', 'copy', '-f', 'mjpeg', 'pipe:1'];
  return [...common, '-r', String(options.fps), ...scale, '-c:v', 'mjpeg', '-q:v', String(ffmpegJpegQScale), '-f', 'mjpeg', 'pipe:1'];
}

// Checked at start so a missing or forbidden device is a clear error, not an ffmpeg exit loop; a
// path that is not a character device under the device directory (a file, /proc/..., a FIFO) is
// refused for good, since ffmpeg would read whatever it is.
function checkDevice(options: V4l2SourceOptions, devDir: string): void {
  const misplaced = devicePathProblem(options.device, devDir);
  if (misplaced !== undefined) throw invalidDevice(options, `a video device under ${devDir}`, misplaced);
  try {
    accessSync(options.device, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'EACCES'
      ? 'add the agent user to the `video` group (`usermod -aG video USER`) and restart the agent'
      : 'check the cable and list cameras with `v4l2-ctl --list-devices` (`apt-get install v4l-utils`); the agent keeps trying, so a camera plugged in later is picked up';
    throw captureErrors.EDGE_CAPTURE_DEVICE_NOT_FOUND(
      `Expected camera device ${options.device} for source "${options.name}" to be readable but got ${code ?? 'an error'}; ${fix}`,
      { source: options.name, device: options.device, errno: code },
    );
  }
  if (!statSync(options.device).isCharacterDevice()) throw invalidDevice(options, 'a character device (a video device node)', 'it is not a character device');
}

function invalidDevice(options: V4l2SourceOptions, expected: string, why: string): Error {
  return captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected device of source "${options.name}" to be ${expected} but received ${options.device}: ${why}`, { source: options.name, key: 'device', device: options.device });
}

/** Builds an ffmpeg source; ffmpeg and the device are checked at `start()`. */
export function createFfmpegSource(options: FfmpegSourceOptions, context: CaptureContext): FrameSource {
  checkFormat(options, options.name);
  checkTiming(options, options.name);
  if (options.type === 'v4l2' && options.inputFormat !== 'mjpeg' && options.inputFormat !== 'raw') {
    throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected inputFormat of source "${options.name}" to be mjpeg or raw but received ${String(options.inputFormat)}`, { source: options.name, key: 'inputFormat' });
  }
  if (options.type !== 'v4l2') {
    const why = cameraUrlProblem(options.type, options.url);
    if (why !== undefined) {
      throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected url of source "${options.name}" to be ${options.type === 'rtsp' ? 'an rtsp:// or rtsps://' : 'an http:// or https://'} URL but received "${options.url}": ${why}`, { source: options.name, key: 'url' });
    }
  }
  const raw = rawOutput(options);
  const { width, height } = options;
  const createSplitter = (): FrameSplitter => (raw ? new RawFrameSplitter(width * height * 3) : new MjpegSplitter(maxFrameBytes));
  const toImage = (data: Buffer): FrameImage => (raw ? { kind: 'raw', data, width, height, channels: 3 } : { kind: 'encoded', data });
  return new ProcessStreamSource(
    {
      name: options.name,
      resolveCommand: () => {
        const executable = requireExecutable([options.binary ?? 'ffmpeg'], context.searchPath, installFix);
        if (options.type === 'v4l2') checkDevice(options, context.devDir);
        return { executable, args: ffmpegArgs(options) };
      },
      createSplitter,
      toImage,
      timing: options,
      maxFrameBytes,
    },
    context,
    'ffmpeg',
  );
}
