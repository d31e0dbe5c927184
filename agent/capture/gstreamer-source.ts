/**
 * A GStreamer pipeline run by gst-launch-1.0 that writes JPEGs to stdout; the default pipeline is
 * the Jetson CSI camera (`nvarguscamerasrc`), whose frames only GStreamer can reach. Supervised
 * like every process source. gst-launch-1.0 parses its arguments as one pipeline description, so
 * splitting it into array items changes nothing and no shell is involved.
 */
import { requireExecutable } from './executable.js';
import type { FrameSource } from './frame-source.js';
import { defaultMaxFrameBytes, MjpegSplitter } from './mjpeg-splitter.js';
import { ProcessStreamSource } from './process-stream-source.js';
import { resolveTiming, requirePositive, type CaptureContext, type SourceTimingOptions } from './source-options.js';

/** Options of `kind: gstreamer`. */
export interface GstreamerSourceOptions extends SourceTimingOptions {
  kind: 'gstreamer';
  name: string;
  /** gst-launch-1.0 program; default `gst-launch-1.0`. */
  binary?: string;
  /**
   * The pipeline; it must end in JPEG written to stdout (`jpegenc ! fdsink fd=1`). A string is
   * split on whitespace; give an array when a value contains spaces. Default: the Jetson CSI
   * camera built from sensorId, width, height, framesPerSecond and quality.
   */
  pipeline?: string | string[];
  /** `nvarguscamerasrc sensor-id`. Default 0. */
  sensorId?: number;
  width?: number;
  height?: number;
  framesPerSecond?: number;
  /** jpegenc quality 1-100. Default 80. */
  quality?: number;
  /** Largest JPEG accepted from the stream. Default 16 MiB. */
  maxFrameBytes?: number;
}

const installFix = 'install it with `apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good` (on a Jetson it comes with JetPack)';

/** The default Jetson CSI pipeline for these options. */
export function jetsonCsiPipeline(options: GstreamerSourceOptions): string[] {
  const width = options.width ?? 1280;
  const height = options.height ?? 720;
  const fps = options.framesPerSecond ?? 10;
  return [
    'nvarguscamerasrc', `sensor-id=${options.sensorId ?? 0}`, '!',
    `video/x-raw(memory:NVMM),width=${width},height=${height},framerate=${fps}/1`, '!',
    'nvvidconv', '!', 'video/x-raw,format=I420', '!',
    'jpegenc', `quality=${options.quality ?? 80}`, '!',
    'fdsink', 'fd=1',
  ];
}

/** The full gst-launch-1.0 argument list (`-q` keeps progress text off stdout, where the frames go). */
export function gstreamerArgs(options: GstreamerSourceOptions): string[] {
  const pipeline = options.pipeline === undefined
    ? jetsonCsiPipeline(options)
    : typeof options.pipeline === 'string' ? options.pipeline.trim().split(/\s+/) : options.pipeline;
  return ['-q', ...pipeline];
}

/** Builds a GStreamer source; gst-launch-1.0 is checked at `start()`. */
export function createGstreamerSource(options: GstreamerSourceOptions, context: CaptureContext): FrameSource {
  for (const key of ['width', 'height', 'framesPerSecond', 'quality', 'maxFrameBytes'] as const) {
    const value = options[key];
    if (value !== undefined) requirePositive(value, key, options.name);
  }
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  return new ProcessStreamSource(
    {
      name: options.name,
      resolveCommand: () => ({
        executable: requireExecutable([options.binary ?? 'gst-launch-1.0'], context.searchPath, installFix),
        args: gstreamerArgs(options),
      }),
      createSplitter: () => new MjpegSplitter(maxFrameBytes),
      toImage: (data) => ({ kind: 'encoded', data }),
      timing: resolveTiming(options, options.name),
      maxFrameBytes,
    },
    context,
    'gst-launch-1.0',
  );
}
