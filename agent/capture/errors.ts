/** Error codes of the capture area (camera and file frame sources). */
import { defineErrors } from '../errors/agent-error.js';

/** Factories for every capture failure a person can act on. */
export const captureErrors = defineErrors({
  EDGE_CAPTURE_BINARY_NOT_FOUND: { kind: 'environment', summary: 'A camera program (rpicam-vid, raspistill, ffmpeg, gst-launch-1.0) is not installed or not on PATH.' },
  EDGE_CAPTURE_OPEN_FAILED: { kind: 'environment', summary: 'A camera source started but delivered no frame before its open timeout, or exited first.' },
  EDGE_CAPTURE_NO_CAMERA: { kind: 'environment', summary: '`source.type: auto` found none of the backends of `capture.autoBackends` on this device.' },
  EDGE_CAPTURE_DEVICE_NOT_FOUND: { kind: 'environment', summary: 'A configured camera device (such as /dev/video0) does not exist or cannot be opened by the agent user; the agent keeps trying.' },
  EDGE_CAPTURE_NO_FILES: { kind: 'input', summary: 'A files source matched no image files.' },
  EDGE_CAPTURE_INVALID_OPTION: { kind: 'config', summary: 'A frame source option has a value the source cannot use.' },
  EDGE_CAPTURE_STALLED: { kind: 'runtime', summary: 'A running camera delivered no frame within its stall timeout and was restarted.' },
  EDGE_CAPTURE_PROCESS_EXITED: { kind: 'runtime', summary: 'A camera process exited while the source was running and was restarted.' },
  EDGE_CAPTURE_FRAME_TOO_LARGE: { kind: 'runtime', summary: 'A frame in a camera stream exceeded the configured maximum size and was dropped.' },
  EDGE_CAPTURE_READ_FAILED: { kind: 'input', summary: 'A file or still capture could not be read; the source skipped it.' },
});
