import t from 'tap';
import { ValueHistogram, activationParams, updateRange } from '../../agent/quantize/activation-range.js';

t.test('min/max widens over every frame', async (t) => {
  const r = { min: Infinity, max: -Infinity };
  updateRange(r, Float32Array.of(1, 2, 3));
  updateRange(r, Float32Array.of(-4, 0));
  t.same(r, { min: -4, max: 3 });
});

t.test('int8 asymmetric params map the range onto [-128, 127] with zero exact', async (t) => {
  const p = activationParams({ min: 0, max: 255 });
  t.equal(p.scale, 1);
  t.equal(p.zeroPoint, -128);
  const q = activationParams({ min: -1, max: 1 }, 'uint8');
  t.equal(q.scale, Math.fround(2 / 255));
  t.ok(Math.abs((0 - q.zeroPoint) * q.scale + 1) <= q.scale, `uint8 code 0 maps to about -1 (zero point ${q.zeroPoint})`);
  // A range that excludes 0 is widened to include it.
  t.equal(activationParams({ min: 2, max: 4 }).zeroPoint, -128);
});

t.test('a degenerate range does not divide by zero', async (t) => {
  t.same(activationParams({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
});

t.test('the percentile range drops rare outliers that min/max keeps', async (t) => {
  const data = new Float32Array(100_000);
  for (let i = 0; i < data.length; i++) data[i] = (i % 1000) / 1000; // uniform in [0, 1)
  data[0] = 1000; // one outlier
  const h = new ValueHistogram(0, 1000, 2048);
  h.add(data);
  const r = h.percentileRange(99.99);
  t.ok(r.max < 2, `percentile max ${r.max} ignores the outlier at 1000`);
  t.ok(r.max >= 0.99, `percentile max ${r.max} keeps the bulk of values`);
  t.equal(h.percentileRange(100).max, 1000);
});
