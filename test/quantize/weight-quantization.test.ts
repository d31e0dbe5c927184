import t from 'tap';
import { quantizeBias, quantizeWeightsPerChannel } from '../../agent/quantize/weight-quantization.js';

t.test('per-channel symmetric weights use one scale per output channel (axis 0)', async (t) => {
  // Two output channels of 1x1x2: channel 0 small, channel 1 large.
  const w = Float32Array.of(0.5, -1, 10, -20);
  const q = quantizeWeightsPerChannel(w, [2, 1, 1, 2], 0);
  t.same(Array.from(q.scales), [Math.fround(1 / 127), Math.fround(20 / 127)]);
  t.same(Array.from(q.values), [64, -127, 64, -127]);
});

t.test('reduceRange keeps weights within [-63, 63]', async (t) => {
  const q = quantizeWeightsPerChannel(Float32Array.of(0.5, -2), [1, 2], 0, true);
  t.same(Array.from(q.values), [16, -63]);
  t.equal(q.scales[0], Math.fround(2 / 63));
});

t.test('channel axis 1 (MatMul / Gemm without transB) groups columns', async (t) => {
  const q = quantizeWeightsPerChannel(Float32Array.of(1, 100, -1, -50), [2, 2], 1);
  t.same(Array.from(q.scales), [Math.fround(1 / 127), Math.fround(100 / 127)]);
  t.same(Array.from(q.values), [127, 127, -127, -64]);
});

t.test('an all-zero channel gets scale 1 and zero values', async (t) => {
  const q = quantizeWeightsPerChannel(Float32Array.of(0, 0, 3, 0), [2, 2], 0);
  t.equal(q.scales[0], 1);
  t.same(Array.from(q.values.slice(0, 2)), [0, 0]);
});

t.test('bias is int32 with scale input_scale x weight_scale per channel', async (t) => {
  const b = quantizeBias(Float32Array.of(1, -3), 0.5, Float32Array.of(0.01, 0.1));
  t.same(Array.from(b.scales), [Math.fround(0.005), Math.fround(0.05)]);
  t.same(Array.from(b.values), [200, -60]);
});
