/**
 * Activation ranges from calibration: running min/max, value histograms for the percentile
 * method, and the int8 scale and zero point a range turns into.
 */

/** The observed (or clipped) float range of one activation tensor. */
export interface TensorRange {
  min: number;
  max: number;
}

/** Scale and zero point of an asymmetric int8 tensor: real = (q - zeroPoint) * scale. */
export interface QuantParams {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Widens `range` to cover every value in `data`. */
export function updateRange(range: TensorRange, data: Float32Array): void {
  let { min, max } = range;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  range.min = min;
  range.max = max;
}

/** A fixed-range histogram of one tensor's values over all calibration frames. */
export class ValueHistogram {
  readonly counts: Float64Array;
  total = 0;

  constructor(
    readonly min: number,
    readonly max: number,
    bins: number,
  ) {
    this.counts = new Float64Array(bins);
  }

  /** Counts every value of `data` (values outside [min, max] land in the end bins). */
  add(data: Float32Array): void {
    const bins = this.counts.length;
    const span = this.max - this.min;
    if (span <= 0) {
      this.counts[0]! += data.length;
      this.total += data.length;
      return;
    }
    const perUnit = bins / span;
    for (let i = 0; i < data.length; i++) {
      let b = Math.floor((data[i]! - this.min) * perUnit);
      if (b < 0) b = 0;
      else if (b >= bins) b = bins - 1;
      this.counts[b]! += 1;
    }
    this.total += data.length;
  }

  /**
   * The range that keeps the central `percentile` % of values: the (100 - p) % tail is split
   * evenly between the two ends, so one outlier in a million no longer stretches the scale.
   */
  percentileRange(percentile: number): TensorRange {
    const bins = this.counts.length;
    const width = (this.max - this.min) / bins;
    const tail = (this.total * (100 - percentile)) / 100 / 2;
    let lo = 0;
    for (let acc = 0; lo < bins - 1; lo++) {
      acc += this.counts[lo]!;
      if (acc > tail) break;
    }
    let hi = bins - 1;
    for (let acc = 0; hi > 0; hi--) {
      acc += this.counts[hi]!;
      if (acc > tail) break;
    }
    return { min: this.min + lo * width, max: this.min + (hi + 1) * width };
  }
}

/** Element type of quantized activations: int8 (S8S8) or uint8 (U8S8). */
export type ActivationType = 'int8' | 'uint8';

/**
 * The activation type for the CPU this runs on. On x86, ONNX Runtime's int8 kernels take uint8
 * activations: S8S8 QDQ is converted only where one Q feeds one DQ, so with SiLU (a Conv output
 * read by Sigmoid and Mul) 3 of person-yolox's 113 Convs fused (docs/quantization.md), and its
 * S8S8 variant runs at 0.46x float against 1.03-1.16x for U8S8 (docs/benchmarks.md). On ARM
 * (and elsewhere) ORT advises S8S8, whose kernels use the signed dot-product instructions. Both
 * stay available by option.
 */
export function defaultActivationType(arch: string = process.arch): ActivationType {
  return arch === 'x64' || arch === 'ia32' ? 'uint8' : 'int8';
}

/**
 * Asymmetric parameters for a range. The range is widened to include 0 so that zero (padding,
 * ReLU output) is exact.
 */
export function activationParams(range: TensorRange, type: ActivationType = 'int8'): QuantParams {
  const qmin = type === 'int8' ? -128 : 0;
  const min = Math.min(range.min, 0);
  const max = Math.max(range.max, 0);
  if (!(max > min) || !Number.isFinite(max - min)) return { scale: 1, zeroPoint: type === 'int8' ? 0 : 128 };
  const scale = Math.fround((max - min) / 255);
  const zeroPoint = Math.max(qmin, Math.min(qmin + 255, Math.round(qmin - min / scale)));
  return { scale, zeroPoint };
}
