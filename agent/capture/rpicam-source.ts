/**
 * The Raspberry Pi camera on the libcamera stack (Bookworm, every Pi 5): `rpicam-vid` (or
 * `libcamera-vid` on older images) as one long-lived process writing MJPEG to stdout, or
 * `rpicam-still` once per frame. In `auto` mode a video process that cannot be opened falls back
 * to stills, logged as a warning, because a slow camera beats no camera.
 */
import { describeError, hasCode } from '../errors/agent-error.js';
import { DelegatingFrameSource } from './delegating-source.js';
import { captureErrors } from './errors.js';
import { requireExecutable } from './executable.js';
import type { FrameSource } from './frame-source.js';
import { defaultMaxFrameBytes, MjpegSplitter } from './mjpeg-splitter.js';
import { PolledStillSource } from './polled-still-source.js';
import { ProcessStreamSource } from './process-stream-source.js';
import { resolveTiming, requirePositive, type CaptureContext, type SourceTimingOptions } from './source-options.js';
import { runStillCapture } from './still-capture.js';

/** Options of `kind: rpicam`. */
export interface RpicamSourceOptions extends SourceTimingOptions {
  kind: 'rpicam';
  name: string;
  /** `video` streams MJPEG, `still` runs rpicam-still per frame, `auto` (default) tries video then still. */
  mode?: 'auto' | 'video' | 'still';
  /** Video program; default `rpicam-vid`, then `libcamera-vid`. A name or an absolute path. */
  videoBinary?: string;
  /** Still program; default `rpicam-still`, then `libcamera-still`. */
  stillBinary?: string;
  /** Camera index for `--camera` (a Pi 5 has two connectors). Default 0. */
  cameraIndex?: number;
  /** Frame size; default 640x480, a size the models downscale from cheaply. */
  width?: number;
  height?: number;
  /** Frames per second in video mode; stills are taken at most this often. Default 10. */
  framesPerSecond?: number;
  /** JPEG quality 1-100. Default 80. */
  quality?: number;
  /** Milliseconds rpicam-still lets exposure settle before each still. Default 200. */
  stillTimeoutMs?: number;
  /** Extra arguments appended to the command line (each one array item; no shell). */
  extraArgs?: string[];
  /** Largest JPEG accepted from the stream. Default 16 MiB. */
  maxFrameBytes?: number;
}

const installFix = 'install it with `apt-get install rpicam-apps` (Raspberry Pi OS Bookworm or later)';

/** The rpicam-vid argument list for these options (exported for tests and `edge-agent doctor`). */
export function rpicamVideoArgs(options: RpicamSourceOptions): string[] {
  return [
    '--nopreview',
    '--timeout', '0',
    '--codec', 'mjpeg',
    '--quality', String(options.quality ?? 80),
    '--camera', String(options.cameraIndex ?? 0),
    '--width', String(options.width ?? 640),
    '--height', String(options.height ?? 480),
    '--framerate', String(options.framesPerSecond ?? 10),
    '--output', '-',
    ...(options.extraArgs ?? []),
  ];
}

/** The rpicam-still argument list for one capture. */
export function rpicamStillArgs(options: RpicamSourceOptions): string[] {
  return [
    '--nopreview',
    '--timeout', String(options.stillTimeoutMs ?? 200),
    '--encoding', 'jpg',
    '--thumb', 'none',
    '--quality', String(options.quality ?? 80),
    '--camera', String(options.cameraIndex ?? 0),
    '--width', String(options.width ?? 640),
    '--height', String(options.height ?? 480),
    '--output', '-',
    ...(options.extraArgs ?? []),
  ];
}

function videoSource(options: RpicamSourceOptions, context: CaptureContext): ProcessStreamSource {
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  return new ProcessStreamSource(
    {
      name: options.name,
      resolveCommand: () => ({
        executable: requireExecutable(options.videoBinary !== undefined ? [options.videoBinary] : ['rpicam-vid', 'libcamera-vid'], context.searchPath, installFix),
        args: rpicamVideoArgs(options),
      }),
      createSplitter: () => new MjpegSplitter(maxFrameBytes),
      toImage: (data) => ({ kind: 'encoded', data }),
      timing: resolveTiming(options, options.name),
      maxFrameBytes,
    },
    context,
    'rpicam-vid',
  );
}

function stillSource(options: RpicamSourceOptions, context: CaptureContext): PolledStillSource {
  const timing = resolveTiming(options, options.name);
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  return new PolledStillSource(
    {
      name: options.name,
      resolveBackend: () => {
        const found = requireExecutable(options.stillBinary !== undefined ? [options.stillBinary] : ['rpicam-still', 'libcamera-still'], context.searchPath, installFix);
        const args = rpicamStillArgs(options);
        return { name: found.name, capture: () => runStillCapture(found.name, found.path, args, maxFrameBytes, timing.killTimeoutMs) };
      },
      intervalMs: 1000 / (options.framesPerSecond ?? 10),
      timing,
    },
    context,
  );
}

/** Builds an rpicam source; nothing is spawned until `start()`. */
export function createRpicamSource(options: RpicamSourceOptions, context: CaptureContext): FrameSource {
  const mode = options.mode ?? 'auto';
  if (!['auto', 'video', 'still'].includes(mode)) {
    throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected mode of source "${options.name}" to be one of auto, video, still but received ${String(mode)}`, { source: options.name, key: 'mode' });
  }
  for (const key of ['width', 'height', 'framesPerSecond', 'quality', 'maxFrameBytes'] as const) {
    const value = options[key];
    if (value !== undefined) requirePositive(value, key, options.name);
  }
  resolveTiming(options, options.name);
  if (mode === 'video') return videoSource(options, context);
  if (mode === 'still') return stillSource(options, context);
  return new DelegatingFrameSource(options.name, async (attach) => {
    const video = videoSource(options, context);
    attach(video);
    try {
      await video.start();
      return video;
    } catch (videoError) {
      context.logger.warn({ source: options.name, err: describeError(videoError) }, 'rpicam video could not be opened; falling back to one rpicam-still per frame');
      const still = stillSource(options, context);
      attach(still);
      try {
        await still.start();
        return still;
      } catch (stillError) {
        // Neither program installed: the install command is the whole answer.
        const missing = captureErrors.EDGE_CAPTURE_BINARY_NOT_FOUND.code;
        if (hasCode(videoError, missing) && hasCode(stillError, missing)) throw videoError;
        throw captureErrors.EDGE_CAPTURE_OPEN_FAILED(
          `Could not open source "${options.name}": video failed (${describeError(videoError)}) and the still fallback failed (${describeError(stillError)})`,
          { source: options.name },
          stillError,
        );
      }
    }
  });
}
