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
import { jpegQuality, killTimeoutMs, maxFrameBytes, stillSettleMs } from './fixed-values.js';
import type { FrameSource } from './frame-source.js';
import { MjpegSplitter } from './mjpeg-splitter.js';
import { PolledStillSource } from './polled-still-source.js';
import { ProcessStreamSource } from './process-stream-source.js';
import { checkFormat, checkTiming, requirePositive, type CaptureContext, type SourceFormat, type SourceTiming } from './source-options.js';
import { runStillCapture } from './still-capture.js';

/** Options of `type: rpicam` (the config's `source` keys, resolved). */
export interface RpicamSourceOptions extends SourceTiming, SourceFormat {
  type: 'rpicam';
  name: string;
  /** `video` streams MJPEG, `still` runs rpicam-still per frame, `auto` tries video then still. */
  mode: 'auto' | 'video' | 'still';
  /** The program `mode` runs first instead of rpicam-vid/libcamera-vid (rpicam-still/libcamera-still in `still` mode). */
  binary?: string;
  /** Camera index for `--camera` (a Pi 5 has two connectors). */
  cameraIndex: number;
}

const installFix = 'install it with `apt-get install rpicam-apps` (Raspberry Pi OS Bookworm or later)';
const videoPrograms = ['rpicam-vid', 'libcamera-vid'];
const stillPrograms = ['rpicam-still', 'libcamera-still'];

/** The rpicam-vid argument list for these options (exported for tests and `edge-agent doctor`). */
export function rpicamVideoArgs(options: RpicamSourceOptions): string[] {
  return [
    '--nopreview',
    '--timeout', '0',
    '--codec', 'mjpeg',
    '--quality', String(jpegQuality),
    '--camera', String(options.cameraIndex),
    '--width', String(options.width),
    '--height', String(options.height),
    '--framerate', String(options.fps),
    '--output', '-',
  ];
}

/** The rpicam-still argument list for one capture. */
export function rpicamStillArgs(options: RpicamSourceOptions): string[] {
  return [
    '--nopreview',
    '--timeout', String(stillSettleMs),
    '--encoding', 'jpg',
    '--thumb', 'none',
    '--quality', String(jpegQuality),
    '--camera', String(options.cameraIndex),
    '--width', String(options.width),
    '--height', String(options.height),
    '--output', '-',
  ];
}

function videoSource(options: RpicamSourceOptions, context: CaptureContext): ProcessStreamSource {
  return new ProcessStreamSource(
    {
      name: options.name,
      resolveCommand: () => ({
        executable: requireExecutable(options.binary !== undefined && options.mode !== 'still' ? [options.binary] : videoPrograms, context.searchPath, installFix),
        args: rpicamVideoArgs(options),
      }),
      createSplitter: () => new MjpegSplitter(maxFrameBytes),
      toImage: (data) => ({ kind: 'encoded', data }),
      timing: options,
      maxFrameBytes,
    },
    context,
    'rpicam-vid',
  );
}

function stillSource(options: RpicamSourceOptions, context: CaptureContext): PolledStillSource {
  return new PolledStillSource(
    {
      name: options.name,
      resolveBackend: () => {
        const found = requireExecutable(options.binary !== undefined && options.mode === 'still' ? [options.binary] : stillPrograms, context.searchPath, installFix);
        const args = rpicamStillArgs(options);
        return { name: found.name, capture: () => runStillCapture(found.name, found.path, args, maxFrameBytes, killTimeoutMs) };
      },
      intervalMs: 1000 / options.fps,
      timing: options,
    },
    context,
  );
}

/** Builds an rpicam source; nothing is spawned until `start()`. */
export function createRpicamSource(options: RpicamSourceOptions, context: CaptureContext): FrameSource {
  const mode = options.mode;
  if (!['auto', 'video', 'still'].includes(mode)) {
    throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected mode of source "${options.name}" to be one of auto, video, still but received ${String(mode)}`, { source: options.name, key: 'mode' });
  }
  checkFormat(options, options.name);
  checkTiming(options, options.name);
  if (options.cameraIndex !== 0) requirePositive(options.cameraIndex, 'cameraIndex', options.name);
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
