/**
 * Per-channel symmetric int8 weights and int32 biases. The bias scale is input_scale x
 * weight_scale per output channel, which is what ONNX Runtime needs to fuse a DQ-Conv-Q group
 * into one QLinearConv.
 */

/** Weights quantized per output channel; zero points are all 0 (symmetric). */
export interface ChannelQuantizedWeights {
  readonly values: Int8Array;
  readonly scales: Float32Array;
}

/**
 * Quantizes `weights` of shape `dims` to symmetric int8 with one scale per index of `axis`:
 * [-127, 127], or [-63, 63] when `reduceRange` is set (7-bit weights keep x86 AVX2's u8 x s8
 * pair sums inside int16, where full-range weights saturate).
 */
export function quantizeWeightsPerChannel(weights: Float32Array, dims: readonly number[], axis: number, reduceRange = false): ChannelQuantizedWeights {
  const qmax = reduceRange ? 63 : 127;
  const channels = dims[axis] ?? 1;
  // Elements between successive indices of `axis`, and how many times the pattern repeats.
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const maxAbs = new Float32Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      let m = maxAbs[c]!;
      for (let i = 0; i < inner; i++) m = Math.max(m, Math.abs(weights[base + i]!));
      maxAbs[c] = m;
    }
  }
  // An all-zero channel gets scale 1 so that dequantization stays finite and exact.
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / qmax : 1));
  const values = new Int8Array(weights.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      const s = scales[c]!;
      for (let i = 0; i < inner; i++) values[base + i] = Math.max(-qmax, Math.min(qmax, Math.round(weights[base + i]! / s)));
    }
  }
  return { values, scales };
}

/** Int32 bias and its per-channel scales (input_scale x weight_scale[c]). */
export interface QuantizedBias {
  readonly values: Int32Array;
  readonly scales: Float32Array;
}

/** Quantizes a bias vector to int32 against the input activation scale and the weight scales. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): QuantizedBias {
  const scales = new Float32Array(bias.length);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = inputScale * (weightScales[weightScales.length === 1 ? 0 : c] ?? 1);
    scales[c] = s > 0 ? s : 1;
    values[c] = Math.max(-2147483647, Math.min(2147483647, Math.round(bias[c]! / scales[c]!)));
  }
  return { values, scales };
}

/**
 * Mean over output channels (`axis` of `dims`) of each channel's relative L2 error: a channel of
 * small weights flattened by one shared scale counts as much as a large one.
 */
export function weightError(weights: Float32Array, quantized: ChannelQuantizedWeights, dims: readonly number[], axis: number): number {
  const channels = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const num = new Float64Array(channels);
  const den = new Float64Array(channels);
  for (let i = 0; i < weights.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const s = quantized.scales[quantized.scales.length === 1 ? 0 : c]!;
    num[c]! += (weights[i]! - quantized.values[i]! * s) ** 2;
    den[c]! += weights[i]! ** 2;
  }
  let total = 0;
  for (let c = 0; c < channels; c++) total += den[c]! > 0 ? Math.sqrt(num[c]! / den[c]!) : 0;
  return total / channels;
}

/**
 * Per-tensor weights (one scale) when their error is at most `tolerance` times the per-channel
 * error, else per-channel. One scale saves 8 bytes per output channel (weight scale and bias
 * scale); on a small depthwise model that is a tenth of the file.
 */
export function quantizeWeights(weights: Float32Array, dims: readonly number[], axis: number, reduceRange: boolean, tolerance: number): ChannelQuantizedWeights & { perTensor: boolean } {
  const perChannel = quantizeWeightsPerChannel(weights, dims, axis, reduceRange);
  if (tolerance <= 1 || perChannel.scales.length === 1) return { ...perChannel, perTensor: false };
  // The whole tensor as one channel: the same rounding and clamping with a single scale.
  const whole = quantizeWeightsPerChannel(weights, [1, weights.length], 0, reduceRange);
  return weightError(weights, whole, dims, axis) <= tolerance * weightError(weights, perChannel, dims, axis) ? { ...whole, perTensor: true } : { ...perChannel, perTensor: false };
}
