/**
 * Turns a frame (JPEG/PNG bytes or raw RGB) into the model's input tensor with sharp: decode with
 * EXIF auto-orientation, flatten any alpha onto the pad colour, resize to the planned content
 * size, then fill the reused tensor buffer. sharp's JPEG shrink-on-load applies because the
 * target size is given up front, so a 1080p JPEG is decoded at a fraction of its size.
 */
import sharp, { type Sharp } from 'sharp';
import type { FrameImage } from '../capture/frame.js';
import type { InputSpec } from '../models/manifest.js';
import { AgentError } from '../errors/agent-error.js';
import { inputErrors } from './errors.js';
import { planGeometry, type FrameGeometry } from './geometry.js';
import { TensorFiller, type TensorData } from './tensor-fill.js';
import { readImageHeader } from './image-header.js';
import { describeImageBytes, supportedImageFormat, supportedImageFormats } from '../support/image-format.js';
import { MAX_INPUT_SIDE } from '../models/manifest-loader.js';
import { modelErrors } from '../models/errors.js';

// Every camera frame is new, so libvips' operation cache (50 MB by default) only holds memory
// that is never reused; on a 512 MB board that matters. One thread per image is enough: frames
// are processed one at a time per model and ONNX Runtime wants the other cores.
sharp.cache(false);
sharp.concurrency(1);

/** Limits for untrusted images. */
export interface PreprocessOptions {
  /** Refuse images with more pixels than this before decoding them (decompression bomb guard). */
  maxInputPixels?: number;
}

/** Default pixel limit: 8K UHD (7680 x 4320) with headroom; far above any camera frame. */
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;

/** What preprocessing produced for one frame. */
export interface PreparedInput {
  geometry: FrameGeometry;
  /** The tensor buffer (the same object every call). */
  data: TensorData;
  /** Time in sharp: decode, orient, resize. */
  decodeResizeMs: number;
  /** Time copying pixels into the tensor. */
  tensorFillMs: number;
}

/** Converts frames into one model's input tensor; one instance per model, reused for all frames. */
export class Preprocessor {
  private readonly spec: InputSpec;
  private readonly filler: TensorFiller;
  private readonly maxInputPixels: number;

  constructor(spec: InputSpec, options: PreprocessOptions = {}) {
    assertAllocatableShape(spec);
    this.spec = spec;
    this.filler = new TensorFiller(spec);
    this.maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  }

  /** The reused tensor buffer. */
  get data(): TensorData {
    return this.filler.data;
  }

  /** Decodes, resizes and fills the tensor; `where` names the frame in errors (a file path or camera). */
  async prepare(image: FrameImage, where: string): Promise<PreparedInput> {
    const t0 = performance.now();
    const { pixels, geometry } = image.kind === 'raw' ? await this.resizeRaw(image, where) : await this.decodeResize(image.data, where);
    const t1 = performance.now();
    this.filler.fill(pixels, geometry);
    const t2 = performance.now();
    return { geometry, data: this.filler.data, decodeResizeMs: t1 - t0, tensorFillMs: t2 - t1 };
  }

  private async decodeResize(data: Buffer, where: string): Promise<{ pixels: Buffer; geometry: FrameGeometry }> {
    if (data.length === 0) throw inputErrors.EDGE_INPUT_EMPTY(`Expected image bytes in ${where} but received 0 bytes`, { where });
    // Only these decoders are reachable: a GIF, TIFF, SVG ... is refused by its first bytes.
    if (supportedImageFormat(data) === undefined) {
      throw inputErrors.EDGE_INPUT_UNSUPPORTED_FORMAT(`Expected a ${supportedImageFormats} image in ${where} but received ${describeImageBytes(data)}; refused before decoding`, { where });
    }
    try {
      const { width, height, hasAlpha, needsSrgb } = await this.describe(data);
      if (width * height > this.maxInputPixels) throw tooLarge(where, width, height, this.maxInputPixels);
      const img = sharp(data, { failOn: 'truncated', limitInputPixels: this.maxInputPixels, sequentialRead: true });
      return await this.resize(img.autoOrient(), width, height, hasAlpha, needsSrgb);
    } catch (err) {
      throw classifySharpError(err, where, this.maxInputPixels);
    }
  }

  /**
   * Size after EXIF orientation (the frame the person sees), alpha, and whether a colour
   * conversion is needed (grayscale, CMYK, 16-bit). JPEG and PNG headers are read in JavaScript;
   * anything else asks sharp, without the pixel limit so a refusal can name the size (the decode
   * keeps the limit as a second guard).
   */
  private async describe(data: Buffer): Promise<{ width: number; height: number; hasAlpha: boolean; needsSrgb: boolean }> {
    const h = readImageHeader(data);
    if (h !== undefined) return { width: h.orientedWidth, height: h.orientedHeight, hasAlpha: h.hasAlpha, needsSrgb: !h.isRgb8 };
    const meta = await sharp(data, { limitInputPixels: false }).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new Error('image has no dimensions');
    return { width, height, hasAlpha: meta.hasAlpha === true, needsSrgb: meta.space !== 'srgb' || (meta.channels !== 3 && meta.channels !== 4) || meta.depth !== 'uchar' };
  }

  private async resizeRaw(image: Extract<FrameImage, { kind: 'raw' }>, where: string): Promise<{ pixels: Buffer; geometry: FrameGeometry }> {
    const { width, height, channels } = image;
    const expected = width * height * channels;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || image.data.length !== expected) {
      throw inputErrors.EDGE_INPUT_RAW_SIZE(`Expected ${expected} bytes for a ${width}x${height}x${channels} raw frame from ${where} but received ${image.data.length}`, { where, width, height, channels, bytes: image.data.length });
    }
    if (width * height > this.maxInputPixels) throw tooLarge(where, width, height, this.maxInputPixels);
    return this.resize(sharp(image.data, { raw: { width, height, channels } }), width, height, channels === 4, false);
  }

  private async resize(img: Sharp, width: number, height: number, hasAlpha: boolean, needsSrgb: boolean): Promise<{ pixels: Buffer; geometry: FrameGeometry }> {
    const { width: inW, height: inH } = this.filler.inputSize;
    const geometry = planGeometry(width, height, inW, inH, this.spec.resize, this.spec.align);
    const pad = this.spec.padValue;
    let pipeline = img;
    if (hasAlpha) pipeline = pipeline.flatten({ background: { r: pad, g: pad, b: pad } });
    pipeline = pipeline.resize(geometry.contentWidth, geometry.contentHeight, { fit: 'fill', kernel: this.spec.kernel });
    if (needsSrgb) pipeline = pipeline.toColourspace('srgb');
    // 8 bits per channel whatever the source depth (a 16-bit PNG would otherwise come out 16-bit).
    const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== geometry.contentWidth || info.height !== geometry.contentHeight) {
      throw new Error(`sharp returned ${info.width}x${info.height}x${info.channels}, expected ${geometry.contentWidth}x${geometry.contentHeight}x3`);
    }
    return { pixels: data, geometry };
  }
}

/**
 * The tensor is allocated whole up front, so a shape no board can hold (100000x100000) is refused
 * here with the manifest's code rather than surfacing as a RangeError from the allocation. The
 * manifest loader refuses it too; this guards specs built any other way.
 */
function assertAllocatableShape(spec: InputSpec): void {
  const [batch, a, b, c] = spec.shape;
  const [height, width, channels] = spec.layout === 'NCHW' ? [b, c, a] : [a, b, c];
  const ok = (v: number | undefined, max: number): boolean => v !== undefined && Number.isInteger(v) && v >= 1 && v <= max;
  if (spec.shape.length !== 4 || batch !== 1 || channels !== 3 || !ok(height, MAX_INPUT_SIDE) || !ok(width, MAX_INPUT_SIDE)) {
    throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Expected input.shape [1, 3, H, W] (NCHW) or [1, H, W, 3] (NHWC) with H and W from 1 to ${MAX_INPUT_SIDE} but received [${spec.shape.join(', ')}] (${spec.layout}) for input "${spec.name}"`, { shape: spec.shape, layout: spec.layout });
  }
}

function tooLarge(where: string, width: number, height: number, limit: number): Error {
  return inputErrors.EDGE_INPUT_TOO_LARGE(`Expected at most ${limit} pixels in ${where} but received ${width}x${height} (${width * height}); refusing to decode it`, { where, width, height, limit });
}

function classifySharpError(err: unknown, where: string, limit: number): Error {
  if (err instanceof AgentError) return err; // already ours (the pixel limit)
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return inputErrors.EDGE_INPUT_TOO_LARGE(`Expected at most ${limit} pixels in ${where} but the image is larger; refusing to decode it`, { where, limit }, err);
  }
  const reason = message.split('\n')[0] ?? message;
  return inputErrors.EDGE_INPUT_UNDECODABLE(`Expected a ${supportedImageFormats} image in ${where} but it could not be decoded: ${reason}`, { where, reason }, err);
}
