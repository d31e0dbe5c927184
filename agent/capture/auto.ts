/**
 * `source: auto`: the camera a board most likely has, tried in order: rpicam (libcamera stack),
 * then raspistill (legacy stack), then the first V4L2 device through ffmpeg. A candidate whose
 * program exists but which cannot be opened (rpicam-apps installed, no ribbon camera) is logged
 * and the next one is tried; the Jetson CSI camera needs `kind: gstreamer` and is never guessed.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors/agent-error.js';
import { DelegatingFrameSource } from './delegating-source.js';
import { captureErrors } from './errors.js';
import { findExecutable } from '../support/executables.js';
import { createFfmpegSource, type V4l2SourceOptions } from './ffmpeg-source.js';
import type { FrameSource } from './frame-source.js';
import { createRaspistillSource, type RaspistillSourceOptions } from './raspistill-source.js';
import { createRpicamSource, type RpicamSourceOptions } from './rpicam-source.js';
import type { CaptureContext, SourceTimingOptions } from './source-options.js';

/** Options of `kind: auto`; size and rate are passed on to whichever camera is picked. */
export interface AutoSourceOptions extends SourceTimingOptions {
  kind: 'auto';
  name: string;
  width?: number;
  height?: number;
  framesPerSecond?: number;
  /** Where device nodes live; default `/dev` (tests point it at a temp dir). */
  devDir?: string;
}

/** A concrete source auto-detection may pick. */
export type AutoCandidate = RpicamSourceOptions | RaspistillSourceOptions | V4l2SourceOptions;

/**
 * V4L2 capture devices, best guess first: USB cameras' `/dev/v4l/by-id/*-video-index0` links
 * (their capture node), then `/dev/videoN` by number. On a Pi, /dev/video10 and up are the codec
 * and ISP, not cameras, which is one reason rpicam is tried first.
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

/** The candidates present on this machine, in the order they will be tried. */
export function autoCandidates(options: AutoSourceOptions, context: CaptureContext): AutoCandidate[] {
  const { kind: _kind, devDir, ...shared } = options;
  const candidates: AutoCandidate[] = [];
  const has = (name: string): boolean => findExecutable(name, context.searchPath) !== undefined;
  if (['rpicam-vid', 'libcamera-vid', 'rpicam-still', 'libcamera-still'].some(has)) candidates.push({ ...shared, kind: 'rpicam' });
  if (has('raspistill')) candidates.push({ ...shared, kind: 'raspistill' });
  const device = listVideoDevices(devDir ?? '/dev')[0];
  if (device !== undefined) candidates.push({ ...shared, kind: 'v4l2', device });
  return candidates;
}

function createCandidate(candidate: AutoCandidate, context: CaptureContext): FrameSource {
  if (candidate.kind === 'rpicam') return createRpicamSource(candidate, context);
  if (candidate.kind === 'raspistill') return createRaspistillSource(candidate, context);
  return createFfmpegSource(candidate, context);
}

/** Builds the auto source; detection happens at `start()`, so a camera plugged in later is found on restart. */
export function createAutoSource(options: AutoSourceOptions, context: CaptureContext): FrameSource {
  return new DelegatingFrameSource(options.name, async (attach) => {
    const candidates = autoCandidates(options, context);
    if (candidates.length === 0) {
      throw captureErrors.EDGE_CAPTURE_NO_CAMERA(
        `source "${options.name}" is auto but no camera was found: no rpicam-vid/rpicam-still or raspistill on PATH and no ${options.devDir ?? '/dev'}/video* device; ` +
          'for a Pi camera install `apt-get install rpicam-apps`, for a USB camera plug it in and install `apt-get install ffmpeg`, on a Jetson set `kind: gstreamer`',
        { source: options.name },
      );
    }
    const failures: string[] = [];
    for (const candidate of candidates) {
      const source = createCandidate(candidate, context);
      attach(source);
      try {
        await source.start();
        context.logger.info({ source: options.name, picked: candidate.kind }, 'auto source picked a camera');
        return source;
      } catch (err) {
        failures.push(`${candidate.kind}: ${describeError(err)}`);
        context.logger.warn({ source: options.name, candidate: candidate.kind, err: describeError(err) }, 'auto source candidate failed; trying the next');
      }
    }
    throw captureErrors.EDGE_CAPTURE_OPEN_FAILED(`source "${options.name}" is auto and every camera found failed to open: ${failures.join('; ')}`, {
      source: options.name,
      tried: candidates.map((c) => c.kind),
    });
  });
}
