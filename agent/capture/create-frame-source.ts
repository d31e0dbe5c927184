/** Builds a FrameSource from resolved options (the config's `source` keys); the composition root maps config onto these types. */
import { createAutoSource, type AutoSourceOptions } from './auto.js';
import { captureErrors } from './errors.js';
import { createFfmpegSource, type NetworkCameraSourceOptions, type V4l2SourceOptions } from './ffmpeg-source.js';
import { FilesSource, type FilesSourceOptions } from './files-source.js';
import type { FrameSource } from './frame-source.js';
import { createGstreamerSource, type GstreamerSourceOptions } from './gstreamer-source.js';
import { createRaspistillSource, type RaspistillSourceOptions } from './raspistill-source.js';
import { createRpicamSource, type RpicamSourceOptions } from './rpicam-source.js';
import type { CaptureContext } from './source-options.js';

/** Options of any source, told apart by `type`. */
export type FrameSourceOptions =
  | FilesSourceOptions
  | RpicamSourceOptions
  | RaspistillSourceOptions
  | V4l2SourceOptions
  | NetworkCameraSourceOptions
  | GstreamerSourceOptions
  | AutoSourceOptions;

/** Every `type` a source can have, for error messages. */
export const frameSourceTypes = ['files', 'rpicam', 'raspistill', 'v4l2', 'rtsp', 'http', 'gstreamer', 'auto'] as const;

/** Builds the source `options.type` names; throws EDGE_CAPTURE_INVALID_OPTION for bad values. Nothing is spawned until `start()`. */
export function createFrameSource(options: FrameSourceOptions, context: CaptureContext): FrameSource {
  switch (options.type) {
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
      const type = (options as { type?: unknown }).type;
      throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(
        `Expected type to be one of ${frameSourceTypes.join(', ')} but received ${JSON.stringify(type)}`,
        { key: 'type', value: type },
      );
    }
  }
}
