/**
 * `source.type: auto`: the camera a board most likely has, found by trying the backends of
 * `capture.autoBackends` (set by the device profile) in their order. A backend is tried when its
 * program is on PATH (and, for `v4l2`, a video device exists); one that is present but cannot be
 * opened (rpicam-apps installed, no ribbon camera) is logged and the next one is tried.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors/agent-error.js';
import { DelegatingFrameSource } from './delegating-source.js';
import { captureErrors } from './errors.js';
import { findExecutable } from '../support/executables.js';
import { createFfmpegSource, type V4l2SourceOptions } from './ffmpeg-source.js';
import type { FrameSource } from './frame-source.js';
import { createGstreamerSource, jetsonCsiPipeline, type GstreamerSourceOptions } from './gstreamer-source.js';
import { createRaspistillSource, type RaspistillSourceOptions } from './raspistill-source.js';
import { createRpicamSource, type RpicamSourceOptions } from './rpicam-source.js';
import type { CaptureContext, SourceFormat, SourceTiming } from './source-options.js';

/** A backend `auto` can try (the config's `capture.autoBackends` items). */
export type AutoBackend = 'rpicam' | 'raspistill' | 'v4l2' | 'gstreamer';

/** Options of `type: auto`: the backends to try and what is passed on to the one picked. */
export interface AutoSourceOptions extends SourceTiming, SourceFormat {
  type: 'auto';
  name: string;
  /** `capture.autoBackends`: tried in this order. */
  backends: readonly AutoBackend[];
  /** Passed on to `rpicam`, and the `sensor-id` of the Jetson CSI pipeline. */
  cameraIndex: number;
  /** Passed on to `rpicam`. */
  mode: RpicamSourceOptions['mode'];
  /** Passed on to `v4l2`. */
  inputFormat: V4l2SourceOptions['inputFormat'];
  /** The `gstreamer` pipeline; without it, the Jetson CSI pipeline. */
  pipeline?: string;
}

/** A concrete source auto-detection may pick. */
export type AutoCandidate = RpicamSourceOptions | RaspistillSourceOptions | V4l2SourceOptions | GstreamerSourceOptions;

/**
 * V4L2 capture devices, best guess first: USB cameras' `/dev/v4l/by-id/*-video-index0` links
 * (their capture node), then `/dev/videoN` by number. On a Pi, /dev/video10 and up are the codec
 * and ISP, not cameras, which is one reason the Pi profiles put rpicam first.
 */
export function listVideoDevices(devDir: string): string[] {
  const found: string[] = [];
  try {
    for (const entry of readdirSync(join(devDir, 'v4l', 'by-id')).sort()) {
      if (entry.endsWith('-video-index0')) found.push(realpathSync(join(devDir, 'v4l', 'by-id', entry)));
    }
  } catch {
    // No by-id directory: no USB camera with a serial, or not Linux.
  }
  let nodes: string[] = [];
  try {
    nodes = readdirSync(devDir).filter((n) => /^video\d+$/.test(n));
  } catch {
    nodes = [];
  }
  nodes.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  for (const node of nodes) {
    const path = join(devDir, node);
    if (!found.includes(path)) found.push(path);
  }
  return found;
}

/** The candidates present on this machine, in `options.backends` order. */
export function autoCandidates(options: AutoSourceOptions, context: CaptureContext): AutoCandidate[] {
  const { name, width, height, fps, openTimeoutMs, stallTimeoutMs, restartBackoffInitialMs, restartBackoffMaxMs } = options;
  const shared = { name, width, height, fps, openTimeoutMs, stallTimeoutMs, restartBackoffInitialMs, restartBackoffMaxMs };
  const has = (program: string): boolean => findExecutable(program, context.searchPath) !== undefined;
  const candidates: AutoCandidate[] = [];
  for (const backend of options.backends) {
    if (backend === 'rpicam') {
      if (['rpicam-vid', 'libcamera-vid', 'rpicam-still', 'libcamera-still'].some(has)) candidates.push({ ...shared, type: 'rpicam', mode: options.mode, cameraIndex: options.cameraIndex });
    } else if (backend === 'raspistill') {
      if (has('raspistill')) candidates.push({ ...shared, type: 'raspistill' });
    } else if (backend === 'v4l2') {
      const device = listVideoDevices(context.devDir)[0];
      if (device !== undefined && has('ffmpeg')) candidates.push({ ...shared, type: 'v4l2', device, inputFormat: options.inputFormat });
    } else if (has('gst-launch-1.0')) {
      candidates.push({ ...shared, type: 'gstreamer', pipeline: options.pipeline ?? jetsonCsiPipeline(options) });
    }
  }
  return candidates;
}

const lookedFor: Readonly<Record<AutoBackend, string>> = {
  rpicam: 'rpicam-vid/rpicam-still on PATH (`apt-get install rpicam-apps` for a Pi camera)',
  raspistill: 'raspistill on PATH (legacy Pi camera stack)',
  v4l2: 'a video device and ffmpeg (plug the USB camera in, `apt-get install ffmpeg`)',
  gstreamer: 'gst-launch-1.0 on PATH (comes with JetPack on a Jetson)',
};

function createCandidate(candidate: AutoCandidate, context: CaptureContext): FrameSource {
  if (candidate.type === 'rpicam') return createRpicamSource(candidate, context);
  if (candidate.type === 'raspistill') return createRaspistillSource(candidate, context);
  if (candidate.type === 'gstreamer') return createGstreamerSource(candidate, context);
  return createFfmpegSource(candidate, context);
}

/** Builds the auto source; detection happens at `start()`, so a camera plugged in later is found when it is tried again. */
export function createAutoSource(options: AutoSourceOptions, context: CaptureContext): FrameSource {
  return new DelegatingFrameSource(options.name, async (attach) => {
    const candidates = autoCandidates(options, context);
    if (candidates.length === 0) {
      throw captureErrors.EDGE_CAPTURE_NO_CAMERA(
        `source "${options.name}" is auto with capture.autoBackends [${options.backends.join(', ')}] but found none of: ` +
          `${options.backends.map((b) => `${b}: ${lookedFor[b]}`).join('; ')}; or set source.type (for example v4l2 with a device)`,
        { source: options.name, backends: [...options.backends] },
      );
    }
    const failures: string[] = [];
    for (const candidate of candidates) {
      const source = createCandidate(candidate, context);
      attach(source);
      try {
        await source.start();
        context.logger.info({ source: options.name, picked: candidate.type }, 'auto source picked a camera');
        return source;
      } catch (err) {
        failures.push(`${candidate.type}: ${describeError(err)}`);
        context.logger.warn({ source: options.name, candidate: candidate.type, err: describeError(err) }, 'auto source candidate failed; trying the next');
      }
    }
    throw captureErrors.EDGE_CAPTURE_OPEN_FAILED(`source "${options.name}" is auto and every camera found failed to open: ${failures.join('; ')}`, {
      source: options.name,
      tried: candidates.map((c) => c.type),
    });
  });
}
