import t from 'tap';
import { YoloxDecoder } from '../../agent/postprocess/yolox-decoder.js';
import { YunetDecoder } from '../../agent/postprocess/yunet-decoder.js';
import { SoftmaxTopKDecoder, softmax } from '../../agent/postprocess/softmax-topk-decoder.js';
import { planGeometry } from '../../agent/preprocess/geometry.js';
import { AgentError } from '../../agent/errors/agent-error.js';

// A 64x64 input with strides 8/16/32: 64 + 16 + 4 = 84 rows.
const g = planGeometry(128, 64, 64, 64, 'letterbox', 'top-left'); // r = 0.5, content 64x32

t.test('YOLOX: one anchor decodes to a box in source pixels, clipped', async (t) => {
  const rows = 84;
  const data = new Float32Array(rows * 6);
  // stride 8 grid cell (x=3, y=2): row 2*8+3 = 19; centre (3.5*8, 2.5*8) = (28, 20), size exp(ln 16) * 8 = 128? use ln(2) -> 16px.
  data.set([0.5, 0.5, Math.log(2), Math.log(1), 0.9, 0.8], 19 * 6);
  // stride 32 cell (1,1): row 64 + 16 + 3 = 83, huge box that must be clipped.
  data.set([0.5, 0.5, Math.log(10), Math.log(10), 0.9, 0.9], 83 * 6);
  const dec = new YoloxDecoder({ spec: { name: 'yolox', scoreThreshold: 0.5, nmsIou: 0.5, strides: [8, 16, 32] }, labels: ['person'], outputName: 'output' });
  const out = dec.decode({ output: { data, dims: [1, rows, 6] } }, { geometry: g, scoreThreshold: 0.5 });
  t.ok('detections' in out);
  if (!('detections' in out)) return;
  t.equal(out.detections.length, 2);
  const [big, small] = out.detections as [typeof out.detections[0], typeof out.detections[0]];
  t.equal(big.score, 0.81);
  t.same(big.box, { x: 0, y: 0, width: 128, height: 64 }, 'clipped to the 128x64 source');
  t.equal(small.score, 0.72);
  // input box (20..36, 16..24) / 0.5 -> (40..72, 32..48)
  t.same(small.box, { x: 40, y: 32, width: 32, height: 16 });
});

t.test('YOLOX: scores under the threshold are dropped, a wrong shape is a clear error', async (t) => {
  const data = new Float32Array(84 * 6);
  data.set([0, 0, 0, 0, 0.6, 0.6], 0);
  const dec = new YoloxDecoder({ spec: { name: 'yolox', scoreThreshold: 0.5, strides: [8, 16, 32] }, labels: ['person'], outputName: 'output' });
  const out = dec.decode({ output: { data, dims: [1, 84, 6] } }, { geometry: g, scoreThreshold: 0.5 });
  t.same(out, { detections: [] });
  t.throws(() => dec.decode({ output: { data, dims: [1, 83, 6] } }, { geometry: g, scoreThreshold: 0.5 }), { code: 'EDGE_DECODE_OUTPUT_SHAPE' });
  try {
    dec.decode({ other: { data, dims: [1, 84, 6] } }, { geometry: g, scoreThreshold: 0.5 });
    t.fail('expected an error');
  } catch (err) {
    t.ok(err instanceof AgentError);
    t.match((err as Error).message, /Expected model output "output" but the model returned other/);
  }
});

t.test('YuNet: score is sqrt(cls*obj), landmarks follow the grid cell', async (t) => {
  const outputs: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const s of [8, 16, 32]) {
    const n = (64 / s) ** 2;
    outputs[`cls_${s}`] = { data: new Float32Array(n), dims: [1, n, 1] };
    outputs[`obj_${s}`] = { data: new Float32Array(n), dims: [1, n, 1] };
    outputs[`bbox_${s}`] = { data: new Float32Array(4 * n), dims: [1, n, 4] };
    outputs[`kps_${s}`] = { data: new Float32Array(10 * n), dims: [1, n, 10] };
  }
  // stride 16, col 2 row 1 -> index 1*4+2 = 6
  outputs['cls_16']!.data[6] = 0.81;
  outputs['obj_16']!.data[6] = 1.5; // clamped to 1
  outputs['bbox_16']!.data.set([0.5, 0.5, 0, 0], 24);
  outputs['kps_16']!.data.set([0.25, 0.25, 0.75, 0.25, 0.5, 0.5, 0.25, 0.75, 0.75, 0.75], 60);
  const dec = new YunetDecoder({ spec: { name: 'yunet', scoreThreshold: 0.6, nmsIou: 0.3, strides: [8, 16, 32] }, labels: ['face'], outputName: 'unused' });
  const out = dec.decode(outputs, { geometry: g, scoreThreshold: 0.6 });
  if (!('detections' in out)) return t.fail('detections expected');
  t.equal(out.detections.length, 1);
  const d = out.detections[0]!;
  t.equal(d.score, 0.9);
  // centre (2.5*16, 1.5*16) = (40, 24), size 16 -> input (32..48, 16..32) -> source x2
  t.same(d.box, { x: 64, y: 32, width: 32, height: 32 });
  t.equal(d.landmarks?.length, 5);
  t.same(d.landmarks?.[0], { x: (0.25 + 2) * 16 * 2, y: (0.25 + 1) * 16 * 2 });
  for (const p of d.landmarks ?? []) t.ok(p.x >= d.box.x && p.x <= d.box.x + d.box.width && p.y >= d.box.y && p.y <= d.box.y + d.box.height, 'landmark inside box');
});

t.test('softmax top-k: probabilities sum to 1, order and threshold hold', async (t) => {
  const p = softmax([1, 2, 3]);
  t.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  t.ok((p[2] as number) > (p[1] as number));
  const dec = new SoftmaxTopKDecoder({ spec: { name: 'softmax-topk', scoreThreshold: 0.1, topK: 2, softmax: true }, labels: ['cat', 'dog', 'bird'], outputName: 'logits' });
  const out = dec.decode({ logits: { data: Float32Array.from([0, 5, 1]), dims: [1, 3] } }, { geometry: g, scoreThreshold: 0.01 });
  if (!('classes' in out)) return t.fail('classes expected');
  t.same(out.classes.map((c) => c.label), ['dog', 'bird']);
  t.ok(Math.abs((out.classes[0]?.score ?? 0) - Math.exp(5) / (1 + Math.exp(5) + Math.exp(1))) < 1e-4);
  t.throws(() => dec.decode({ logits: { data: Float32Array.from([0, 5]), dims: [1, 2] } }, { geometry: g, scoreThreshold: 0 }), { code: 'EDGE_DECODE_OUTPUT_SHAPE' });
});
