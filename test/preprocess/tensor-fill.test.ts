import t from 'tap';
import { TensorFiller } from '../../agent/preprocess/tensor-fill.js';
import { planGeometry } from '../../agent/preprocess/geometry.js';
import type { InputSpec } from '../../agent/models/manifest.js';

const base: InputSpec = {
  name: 'x', shape: [1, 3, 4, 4], layout: 'NCHW', dtype: 'float32', channelOrder: 'BGR', scale: 1,
  mean: [0, 0, 0], std: [1, 1, 1], resize: 'letterbox', align: 'top-left', padValue: 114, kernel: 'linear',
};
// A 4x2 content image: pixel (x, y) = (10x + y, 100 + x, 200 + y).
const rgb = new Uint8Array(4 * 2 * 3);
for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) rgb.set([10 * x + y, 100 + x, 200 + y], (y * 4 + x) * 3);
const g = planGeometry(8, 4, 4, 4, 'letterbox', 'top-left'); // content 4x2, rows 2..3 padding

t.test('NCHW BGR raw values: channel 0 is blue, padding rows hold the pad value', async (t) => {
  const f = new TensorFiller(base);
  f.fill(rgb, g);
  const at = (c: number, y: number, x: number) => f.data[c * 16 + y * 4 + x];
  t.equal(at(0, 1, 2), 201, 'B at (2,1)');
  t.equal(at(1, 1, 2), 102, 'G at (2,1)');
  t.equal(at(2, 1, 2), 21, 'R at (2,1)');
  t.equal(at(0, 3, 0), 114, 'padding');
  t.equal(at(2, 2, 3), 114, 'padding');
});

t.test('NHWC RGB with mean/std normalization', async (t) => {
  const f = new TensorFiller({ ...base, shape: [1, 4, 4, 3], layout: 'NHWC', channelOrder: 'RGB', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] });
  f.fill(rgb, g);
  const at = (y: number, x: number, c: number) => f.data[(y * 4 + x) * 3 + c] as number;
  t.ok(Math.abs(at(0, 3, 0) - (30 / 255 - 0.5) / 0.25) < 1e-6, 'R normalized');
  t.ok(Math.abs(at(0, 3, 1) - (103 / 255 - 0.5) / 0.5) < 1e-6, 'G normalized');
  t.ok(Math.abs(at(3, 3, 2) - (114 / 255 - 0.5) / 1) < 1e-6, 'padding normalized like a pixel');
});

t.test('uint8 tensors take pixels as they are', async (t) => {
  const f = new TensorFiller({ ...base, dtype: 'uint8', channelOrder: 'RGB' });
  f.fill(rgb, g);
  t.ok(f.data instanceof Uint8Array);
  t.equal(f.data[0], 0);
  t.equal(f.data[16 + 1], 101);
  t.equal(f.data[15], 114);
});

t.test('the buffer is reused, and padding is rewritten when the geometry changes', async (t) => {
  const f = new TensorFiller(base);
  const buffer = f.data;
  f.fill(new Uint8Array(4 * 4 * 3).fill(7), planGeometry(4, 4, 4, 4, 'letterbox', 'top-left'));
  t.equal(f.data[15], 7);
  f.fill(rgb, g);
  t.equal(f.data, buffer, 'same buffer');
  t.equal(f.data[15], 114, 'old content under the new padding is replaced');
});
