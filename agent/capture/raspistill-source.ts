/**
 * The legacy Raspberry Pi camera stack (32-bit Raspberry Pi OS up to Bullseye with the legacy
 * camera enabled) through node-raspistill. That package spawns `raspistill` by name from the
 * agent's PATH (child_process.spawn, no shell), once per photo with `-o -`, and resolves with
 * stdout when the process exits; so this is a per-frame still source. It cannot run on a 64-bit
 * OS or a Pi 5, where the rpicam source is the answer.
 */
import { Raspistill, type ICameraOptions } from 'node-raspistill';
import { describeError } from '../errors/agent-error.js';
import { requireExecutable } from './executable.js';
import { jpegQuality, stillSettleMs } from './fixed-values.js';
import type { FrameSource } from './frame-source.js';
import { PolledStillSource } from './polled-still-source.js';
import { checkFormat, checkTiming, type CaptureContext, type SourceFormat, type SourceTiming } from './source-options.js';
import type { StillCapture } from './still-capture.js';

/** Options of `type: raspistill` (the config's `source` keys, resolved); `fps` is the most stills per second. */
export interface RaspistillSourceOptions extends SourceTiming, SourceFormat {
  type: 'raspistill';
  name: string;
}

const installFix = 'it ships with the legacy camera stack on 32-bit Raspberry Pi OS up to Bullseye (enable it with `raspi-config`); on Bookworm, 64-bit OS or a Pi 5 use `type: rpicam` and `apt-get install rpicam-apps`';

/** The node-raspistill options these source options map to (exported for tests and docs). */
export function raspistillCameraOptions(options: RaspistillSourceOptions): ICameraOptions {
  return {
    noFileSave: true,
    noPreview: true,
    encoding: 'jpg',
    width: options.width,
    height: options.height,
    quality: jpegQuality,
    time: stillSettleMs,
  };
}

/** Builds a raspistill source; the binary is looked up at `start()`. */
export function createRaspistillSource(options: RaspistillSourceOptions, context: CaptureContext): FrameSource {
  checkFormat(options, options.name);
  checkTiming(options, options.name);
  return new PolledStillSource(
    {
      name: options.name,
      resolveBackend: () => {
        // node-raspistill runs `raspistill` from PATH itself; this check only makes a missing
        // binary fail here, with the fix, instead of as an ENOENT inside the package.
        requireExecutable(['raspistill'], context.searchPath, installFix);
        const camera = new Raspistill(raspistillCameraOptions(options));
        return { name: 'raspistill', capture: () => capture(camera) };
      },
      intervalMs: 1000 / options.fps,
      timing: options,
    },
    context,
  );
}

function capture(camera: Raspistill): StillCapture {
  const result = camera.takePhoto().catch((err: unknown) => {
    // The package rejects with its own error types (or a bare stderr dump); keep the words, add the program.
    throw new Error(`raspistill failed: ${describeError(err)}`, { cause: err });
  });
  // node-raspistill's stop() sends SIGTERM to the process it spawned last; it offers no SIGKILL.
  return { result, abort: () => camera.stop() };
}
