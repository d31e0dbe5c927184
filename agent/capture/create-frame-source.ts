/** Builds a FrameSource from a plain options object; the composition root maps config onto these types. */
import { createAutoSource, type AutoSourceOptions } from './auto.js';
import { captureErrors } from './errors.js';
import { createFfmpegSource, type NetworkCameraSourceOptions, type V4l2SourceOptions } from './ffmpeg-source.js';
import { FilesSource, type FilesSourceOptions } from './files-source.js';
import type { FrameSource } from './frame-source.js';
import { createGstreamerSource, type GstreamerSourceOptions } from './gstreamer-source.js';
import { createRaspistillSource, type RaspistillSourceOptions } from './raspistill-source.js';
import { createRpicamSource, type RpicamSourceOptions } from './rpicam-source.js';
import type { CaptureContext } from './source-options.js';

/** Options of any source, told apart by `kind`. */
export type FrameSourceOptions =
  | FilesSourceOptions
  | RpicamSourceOptions
  | RaspistillSourceOptions
  | V4l2SourceOptions
  | NetworkCameraSourceOptions
  | GstreamerSourceOptions
  | AutoSourceOptions;

/** Every `kind` a source can have, for schemas and error messages. */
export const frameSourceKinds = ['files', 'rpicam', 'raspistill', 'v4l2', 'rtsp', 'http', 'gstreamer', 'auto'] as const;

/** Builds the source `options.kind` names; throws EDGE_CAPTURE_INVALID_OPTION for bad values. Nothing is spawned until `start()`. */
export function createFrameSource(options: FrameSourceOptions, context: CaptureContext): FrameSource {
  switch (options.kind) {
    case 'files':
      return new FilesSource(options, context);
    case 'rpicam':
      return createRpicamSource(options, context);
    case 'raspistill':
      return createRaspistillSource(options, context);
    case 'v4l2':
    case 'rtsp':
    case 'http':
      return createFfmpegSource(options, context);
    case 'gstreamer':
      return createGstreamerSource(options, context);
    case 'auto':
      return createAutoSource(options, context);
    default: {
      const kind = (options as { kind?: unknown }).kind;
      throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(
        `Expected kind to be one of ${frameSourceKinds.join(', ')} but received ${JSON.stringify(kind)}`,
        { key: 'kind', value: kind },
      );
    }
  }
}
