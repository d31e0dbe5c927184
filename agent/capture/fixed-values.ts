/**
 * The few capture values that are not configuration keys: each is a property of the programs the
 * sources run, not of a site, so it is fixed here once and documented in docs/cameras.md
 * ("Fixed values"). Everything a site may want to change is a `cameras[].source` key.
 */

/** After SIGTERM, how long a camera process gets to release the sensor before SIGKILL. */
export const killTimeoutMs = 2000;

/** Largest JPEG accepted from a stream: 16 MiB is above a 12 MP camera's full-quality still. */
export const maxFrameBytes = 16 * 1024 * 1024;

/** JPEG quality (1-100) asked of rpicam-vid, rpicam-still, raspistill and GStreamer's jpegenc. */
export const jpegQuality = 80;

/** ffmpeg's `-q:v` when it encodes JPEG (2 best, 31 worst): close to `jpegQuality` 80. */
export const ffmpegJpegQScale = 5;

/** Milliseconds rpicam-still and raspistill let exposure settle before each still (`--timeout`, `-t`). */
export const stillSettleMs = 200;

/** RTSP over TCP: survives lossy Wi-Fi better than UDP, and passes NAT. */
export const rtspTransport = 'tcp';

/** Pixel format `inputFormat: raw` asks a V4L2 camera for: what UVC cameras send uncompressed. */
export const v4l2RawPixelFormat = 'yuyv422';
