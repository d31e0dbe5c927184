/**
 * Copies interleaved 8-bit RGB pixels into the model's input tensor: channel order, layout and
 * normalization in one pass, padding written only when the frame geometry changes (a camera
 * delivers the same size every frame, so the padding stays valid between frames).
 */
import type { InputSpec } from '../models/manifest.js';
import type { FrameGeometry } from './geometry.js';

/** The input tensor's backing store. */
export type TensorData = Float32Array | Uint8Array;

/** Fills one reusable tensor buffer from resized RGB pixels. */
export class TensorFiller {
  /** The tensor buffer, allocated once and overwritten for every frame. */
  readonly data: TensorData;
  private readonly spec: InputSpec;
  private readonly width: number;
  private readonly height: number;
  /** Per-channel multiplier and offset: value = pixel * mul[c] + add[c]. */
  private readonly mul: Float32Array;
  private readonly add: Float32Array;
  /** Source RGB channel index feeding each tensor channel. */
  private readonly channelFrom: Uint8Array;
  private lastGeometryKey = '';

  constructor(spec: InputSpec) {
    this.spec = spec;
    const [, a, b, c] = spec.shape as [number, number, number, number];
    this.height = spec.layout === 'NCHW' ? b : a;
    this.width = spec.layout === 'NCHW' ? c : b;
    const size = 3 * this.width * this.height;
    this.data = spec.dtype === 'uint8' ? new Uint8Array(size) : new Float32Array(size);
    this.mul = new Float32Array(3);
    this.add = new Float32Array(3);
    for (let ch = 0; ch < 3; ch++) {
      this.mul[ch] = spec.scale / (spec.std[ch] as number);
      this.add[ch] = -(spec.mean[ch] as number) / (spec.std[ch] as number);
    }
    this.channelFrom = spec.channelOrder === 'BGR' ? Uint8Array.of(2, 1, 0) : Uint8Array.of(0, 1, 2);
  }

  /** Input width and height in pixels. */
  get inputSize(): { width: number; height: number } {
    return { width: this.width, height: this.height };
  }

  /** Writes `rgb` (contentWidth x contentHeight x 3) at the geometry's offset; pads the rest. */
  fill(rgb: Uint8Array, g: FrameGeometry): void {
    const key = `${g.contentWidth}x${g.contentHeight}+${g.offsetX}+${g.offsetY}`;
    if (key !== this.lastGeometryKey) {
      this.fillPadding();
      this.lastGeometryKey = key;
    }
    if (this.spec.layout === 'NCHW') this.fillPlanar(rgb, g);
    else this.fillInterleaved(rgb, g);
  }

  private fillPadding(): void {
    const pad = this.spec.padValue;
    if (this.data instanceof Uint8Array) {
      this.data.fill(pad);
      return;
    }
    const plane = this.width * this.height;
    for (let ch = 0; ch < 3; ch++) {
      const v = pad * (this.mul[ch] as number) + (this.add[ch] as number);
      if (this.spec.layout === 'NCHW') this.data.fill(v, ch * plane, (ch + 1) * plane);
      else for (let i = ch; i < this.data.length; i += 3) this.data[i] = v;
    }
  }

  private fillPlanar(rgb: Uint8Array, g: FrameGeometry): void {
    const out = this.data;
    const plane = this.width * this.height;
    // One pass over the pixels writing all three planes: the source is read once, sequentially.
    const [c0, c1, c2] = this.channelFrom as unknown as [number, number, number];
    const [m0, m1, m2] = this.mul as unknown as [number, number, number];
    const [a0, a1, a2] = this.add as unknown as [number, number, number];
    const uint8 = out instanceof Uint8Array;
    for (let y = 0; y < g.contentHeight; y++) {
      let src = y * g.contentWidth * 3;
      let dst = (g.offsetY + y) * this.width + g.offsetX;
      const end = dst + g.contentWidth;
      if (uint8) {
        for (; dst < end; dst++, src += 3) {
          out[dst] = rgb[src + c0] as number;
          out[dst + plane] = rgb[src + c1] as number;
          out[dst + 2 * plane] = rgb[src + c2] as number;
        }
      } else {
        for (; dst < end; dst++, src += 3) {
          out[dst] = (rgb[src + c0] as number) * m0 + a0;
          out[dst + plane] = (rgb[src + c1] as number) * m1 + a1;
          out[dst + 2 * plane] = (rgb[src + c2] as number) * m2 + a2;
        }
      }
    }
  }

  private fillInterleaved(rgb: Uint8Array, g: FrameGeometry): void {
    const out = this.data;
    const uint8 = out instanceof Uint8Array;
    const [c0, c1, c2] = this.channelFrom as unknown as [number, number, number];
    const [m0, m1, m2] = this.mul as unknown as [number, number, number];
    const [a0, a1, a2] = this.add as unknown as [number, number, number];
    for (let y = 0; y < g.contentHeight; y++) {
      let src = y * g.contentWidth * 3;
      let dst = ((g.offsetY + y) * this.width + g.offsetX) * 3;
      for (let x = 0; x < g.contentWidth; x++, src += 3, dst += 3) {
        const p0 = rgb[src + c0] as number;
        const p1 = rgb[src + c1] as number;
        const p2 = rgb[src + c2] as number;
        if (uint8) {
          out[dst] = p0;
          out[dst + 1] = p1;
          out[dst + 2] = p2;
        } else {
          out[dst] = p0 * m0 + a0;
          out[dst + 1] = p1 * m1 + a1;
          out[dst + 2] = p2 * m2 + a2;
        }
      }
    }
  }
}
