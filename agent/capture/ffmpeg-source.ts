/**
 * Cameras read through ffmpeg: USB cameras (`-f v4l2`) and IP cameras (RTSP, HTTP MJPEG). ffmpeg
 * writes MJPEG (or raw RGB) to stdout and the process is supervised by ProcessStreamSource. The
 * input arguments can be replaced (`inputArgs`), which is how tests feed `-f lavfi -i testsrc`
 * through exactly the parsing path a camera uses.
 */
import { accessSync, constants } from 'node:fs';
import { captureErrors } from './errors.js';
import { requireExecutable } from './executable.js';
import type { FrameSource } from './frame-source.js';
import { RawFrameSplitter, type FrameSplitter } from './frame-splitter.js';
import type { FrameImage } from './frame.js';
import { defaultMaxFrameBytes, MjpegSplitter } from './mjpeg-splitter.js';
import { ProcessStreamSource } from './process-stream-source.js';
import { resolveTiming, requirePositive, type CaptureContext, type SourceTimingOptions } from './source-options.js';

/** Options shared by every ffmpeg-backed source. */
export interface FfmpegCommonOptions extends SourceTimingOptions {
  name: string;
  /** ffmpeg program; a name looked up on PATH or an absolute path. Default `ffmpeg`. */
  binary?: string;
  /** `mjpeg` (default) hands JPEGs on; `rgb` asks ffmpeg for raw RGB, skipping an encode and a decode. */
  output?: 'mjpeg' | 'rgb';
  /** Output size; required in practice for `rgb`, default 640x480. */
  width?: number;
  height?: number;
  /** Frame rate asked of the camera (v4l2) or kept from the stream (network). Default 10. */
  framesPerSecond?: number;
  /** JPEG quality for ffmpeg's `-q:v` (2 best, 31 worst) when it re-encodes. Default 5. */
  jpegQScale?: number;
  /** Replaces the input arguments (everything before the output options). */
  inputArgs?: string[];
  /** Largest JPEG accepted from the stream. Default 16 MiB. */
  maxFrameBytes?: number;
}

/** Options of `kind: v4l2`: a USB camera. */
export interface V4l2SourceOptions extends FfmpegCommonOptions {
  kind: 'v4l2';
  /** Device node, e.g. `/dev/video0` or a stable `/dev/v4l/by-id/...` link. */
  device: string;
  /** Pixel format asked of the camera (`-input_format`): `mjpeg` (default) or `yuyv422`. */
  inputFormat?: string;
}

/** Options of `kind: rtsp` or `kind: http`: an IP camera. */
export interface NetworkCameraSourceOptions extends FfmpegCommonOptions {
  kind: 'rtsp' | 'http';
  /** Stream address; credentials in it end up in ffmpeg's argv, visible to local users in `ps`. */
  url: string;
  /** RTSP transport; `tcp` (default) survives lossy Wi-Fi better than `udp`. */
  rtspTransport?: 'tcp' | 'udp';
}

/** Any ffmpeg-backed source's options. */
export type FfmpegSourceOptions = V4l2SourceOptions | NetworkCameraSourceOptions;

const installFix = 'install it with `apt-get install ffmpeg`';

function inputArgsFor(options: FfmpegSourceOptions): string[] {
  if (options.inputArgs !== undefined) return options.inputArgs;
  const fps = String(options.framesPerSecond ?? 10);
  if (options.kind === 'v4l2') {
    return [
      '-f', 'v4l2',
      '-input_format', options.inputFormat ?? 'mjpeg',
      '-video_size', `${options.width ?? 640}x${options.height ?? 480}`,
      '-framerate', fps,
      '-i', options.device,
    ];
  }
  if (options.kind === 'rtsp') return ['-rtsp_transport', options.rtspTransport ?? 'tcp', '-i', options.url];
  return ['-i', options.url];
}

// A v4l2 camera that already sends MJPEG at the wanted size is copied, not re-encoded.
function copiesMjpeg(options: FfmpegSourceOptions): boolean {
  return options.kind === 'v4l2' && options.inputArgs === undefined && (options.inputFormat ?? 'mjpeg') === 'mjpeg';
}

/** The full ffmpeg argument list for these options (exported for tests and `edge-agent doctor`). */
export function ffmpegArgs(options: FfmpegSourceOptions): string[] {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const output = options.output ?? 'mjpeg';
  const rate = options.kind === 'v4l2' ? [] : ['-r', String(options.framesPerSecond ?? 10)];
  const common = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgsFor(options), '-an'];
  if (output === 'rgb') {
    return [...common, ...rate, '-vf', `scale=${width}:${height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
  }
  if (copiesMjpeg(options)) return [...common, '-c:v', 'copy', '-f', 'mjpeg', 'pipe:1'];
  return [...common, ...rate, '-vf', `scale=${width}:${height}`, '-c:v', 'mjpeg', '-q:v', String(options.jpegQScale ?? 5), '-f', 'mjpeg', 'pipe:1'];
}

// Checked at start so a missing or forbidden device is a clear error, not an ffmpeg exit loop.
function checkDevice(options: V4l2SourceOptions): void {
  try {
    accessSync(options.device, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'EACCES'
      ? 'add the agent user to the `video` group (`usermod -aG video USER`) and log in again'
      : 'check the cable and list cameras with `v4l2-ctl --list-devices` (`apt-get install v4l-utils`)';
    throw captureErrors.EDGE_CAPTURE_DEVICE_NOT_FOUND(
      `Expected camera device ${options.device} for source "${options.name}" to be readable but got ${code ?? 'an error'}; ${fix}`,
      { source: options.name, device: options.device, errno: code },
    );
  }
}

/** Builds an ffmpeg source; ffmpeg and the device are checked at `start()`. */
export function createFfmpegSource(options: FfmpegSourceOptions, context: CaptureContext): FrameSource {
  for (const key of ['width', 'height', 'framesPerSecond', 'jpegQScale', 'maxFrameBytes'] as const) {
    const value = options[key];
    if (value !== undefined) requirePositive(value, key, options.name);
  }
  const output = options.output ?? 'mjpeg';
  if (output !== 'mjpeg' && output !== 'rgb') {
    throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected output of source "${options.name}" to be mjpeg or rgb but received ${String(output)}`, { source: options.name, key: 'output' });
  }
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  const createSplitter = (): FrameSplitter => (output === 'rgb' ? new RawFrameSplitter(width * height * 3) : new MjpegSplitter(maxFrameBytes));
  const toImage = (data: Buffer): FrameImage => (output === 'rgb' ? { kind: 'raw', data, width, height, channels: 3 } : { kind: 'encoded', data });
  return new ProcessStreamSource(
    {
      name: options.name,
      resolveCommand: () => {
        const executable = requireExecutable([options.binary ?? 'ffmpeg'], context.searchPath, installFix);
        if (options.kind === 'v4l2' && options.inputArgs === undefined) checkDevice(options);
        return { executable, args: ffmpegArgs(options) };
      },
      createSplitter,
      toImage,
      timing: resolveTiming(options, options.name),
      maxFrameBytes,
    },
    context,
    'ffmpeg',
  );
}
