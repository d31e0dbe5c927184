/**
 * A frame as it leaves a camera: either an encoded image (JPEG/PNG, as MJPEG streams and still
 * captures deliver) or raw interleaved RGB pixels (as raw video delivers). Preprocessing accepts
 * both, so a source never re-encodes what it received.
 */

/** An encoded still image (JPEG or PNG bytes). */
export interface EncodedImage {
  kind: 'encoded';
  data: Buffer;
}

/** Raw interleaved 8-bit pixels, row-major, no padding between rows. */
export interface RawImage {
  kind: 'raw';
  data: Buffer;
  width: number;
  height: number;
  /** 3 for RGB, 4 for RGBA; the alpha channel is dropped by preprocessing. */
  channels: 3 | 4;
}

/** Image bytes in one of the two forms a camera delivers. */
export type FrameImage = EncodedImage | RawImage;

/** One captured frame with where and when it came from. */
export interface Frame {
  /** Source name from config (or a file path for `edge-agent infer`). */
  source: string;
  /** Per-source counter starting at 0; gaps mean frames the source dropped. */
  seq: number;
  capturedAt: Date;
  image: FrameImage;
}
