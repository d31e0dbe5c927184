/**
 * A GStreamer pipeline run by gst-launch-1.0 that writes JPEGs to stdout, for cameras only
 * GStreamer can reach, such as the Jetson CSI camera (`nvarguscamerasrc`). Supervised like every
 * process source. gst-launch-1.0 parses its arguments as one pipeline description, so splitting it
 * into array items changes nothing and no shell is involved.
 */
import { gstreamerOptionToken } from '../support/child-arguments.js';
import { captureErrors } from './errors.js';
import { requireExecutable } from './executable.js';
import { jpegQuality, maxFrameBytes } from './fixed-values.js';
import type { FrameSource } from './frame-source.js';
import { MjpegSplitter } from './mjpeg-splitter.js';
import { ProcessStreamSource } from './process-stream-source.js';
import { checkTiming, type CaptureContext, type SourceFormat, type SourceTiming } from './source-options.js';

/** Options of `type: gstreamer` (the config's `source` keys, resolved). */
export interface GstreamerSourceOptions extends SourceTiming {
  type: 'gstreamer';
  name: string;
  /** gst-launch-1.0 program instead of `gst-launch-1.0` on PATH. */
  binary?: string;
  /** The pipeline, split on whitespace; it must end in JPEG written to stdout (`jpegenc ! fdsink fd=1`). */
  pipeline: string;
}

const installFix = 'install it with `apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good` (on a Jetson it comes with JetPack)';

/** The Jetson CSI camera pipeline `source.type: auto` builds for its `gstreamer` backend. */
export function jetsonCsiPipeline(format: SourceFormat & { cameraIndex: number }): string {
  return [
    'nvarguscamerasrc', `sensor-id=${format.cameraIndex}`, '!',
    `video/x-raw(memory:NVMM),width=${format.width},height=${format.height},framerate=${Math.round(format.fps)}/1`, '!',
    'nvvidconv', '!', 'video/x-raw,format=I420', '!',
    'jpegenc', `quality=${jpegQuality}`, '!',
    'fdsink', 'fd=1',
  ].join(' ');
}

/**
 * The full gst-launch-1.0 argument list (`-q` keeps progress text off stdout, where the frames go).
 * Throws EDGE_CAPTURE_INVALID_OPTION for a pipeline token that gst-launch would read as an option
 * (`--gst-plugin-load=PATH` loads any shared object): a pipeline holds elements and properties only.
 */
export function gstreamerArgs(options: GstreamerSourceOptions): string[] {
  const option = gstreamerOptionToken(options.pipeline);
  if (option !== undefined) {
    throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(
      `Expected the pipeline of source "${options.name}" to hold only GStreamer elements, caps, properties and "!" but received the gst-launch option "${option}"; options cannot be set through the configuration`,
      { source: options.name, key: 'pipeline' },
    );
  }
  return ['-q', ...options.pipeline.trim().split(/\s+/)];
}

/** Builds a GStreamer source; gst-launch-1.0 is checked at `start()`. */
export function createGstreamerSource(options: GstreamerSourceOptions, context: CaptureContext): FrameSource {
  checkTiming(options, options.name);
  gstreamerArgs(options); // refused at creation, before any spawn
  return new ProcessStreamSource(
    {
      name: options.name,
      resolveCommand: () => ({
        executable: requireExecutable([options.binary ?? 'gst-launch-1.0'], context.searchPath, installFix),
        args: gstreamerArgs(options),
      }),
      createSplitter: () => new MjpegSplitter(maxFrameBytes),
      toImage: (data) => ({ kind: 'encoded', data }),
      timing: options,
      maxFrameBytes,
    },
    context,
    'gst-launch-1.0',
  );
}
