import t from 'tap';
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { makeBatchDynamic } from '../../agent/inference/batch-dynamic-graph.js';
import { loadOrt } from '../../agent/inference/ort.js';
import { Preprocessor } from '../../agent/preprocess/preprocessor.js';
import { testStore } from '../helpers/test-store.js';
import { sharedImage, sharedModel } from '../helpers/shared.js';

const images = ['hopper.jpg', 'astronaut.png', 'coffee.png', 'chelsea.png'];

for (const id of ['person-yolox-192', 'face-yunet-2023mar']) {
  t.test(`${id}: the batch-dynamic copy at batch 2 and 4 gives each frame what batch 1 gives it`, async (t) => {
    const ort = await loadOrt();
    const manifest = testStore(t.testdir()).manifest(id);
    const original = readFileSync(sharedModel(id));
    const dynamic = makeBatchDynamic(original);
    if (!dynamic.ok) throw new Error(dynamic.reason);
    t.ok(dynamic.rewrittenShapes > 0, 'the hard-coded batch of its Reshapes was rewritten');
    const pre = new Preprocessor(manifest.input);
    const tensors: Float32Array[] = [];
    for (const name of images) tensors.push(Float32Array.from((await pre.prepare({ kind: 'encoded', data: readFileSync(sharedImage(name)) }, name)).data as Float32Array));
    const [, c, h, w] = manifest.input.shape as [number, number, number, number];
    const fixed = await ort.InferenceSession.create(original, { intraOpNumThreads: 1 });
    const batched = await ort.InferenceSession.create(dynamic.bytes, { intraOpNumThreads: 1 });
    t.teardown(async () => {
      await fixed.release();
      await batched.release();
    });
    const alone = [];
    for (const x of tensors) alone.push(await fixed.run({ [manifest.input.name]: new ort.Tensor('float32', x, [1, c, h, w]) }));
    for (const n of [2, 4]) {
      const data = new Float32Array(n * c * h * w);
      for (let i = 0; i < n; i++) data.set(tensors[i] as Float32Array, i * c * h * w);
      const out = await batched.run({ [manifest.input.name]: new ort.Tensor('float32', data, [n, c, h, w]) });
      let worst = 0;
      for (const [name, tensor] of Object.entries(out)) {
        t.equal(tensor.dims[0], n, `${name} has batch ${n}`);
        const per = (tensor.data as Float32Array).length / n;
        for (let i = 0; i < n; i++) {
          const ref = alone[i]?.[name]?.data as Float32Array;
          t.equal(ref.length, per, `${name}: frame ${i} has as many values as alone`);
          const got = (tensor.data as Float32Array).subarray(i * per, (i + 1) * per);
          for (let k = 0; k < per; k++) worst = Math.max(worst, Math.abs((got[k] as number) - (ref[k] as number)) / Math.max(1, Math.abs(ref[k] as number)));
        }
      }
      t.ok(worst < 1e-4, `batch ${n}: largest relative difference to batch 1 is ${worst}`);
    }
  });
}

t.test('a graph that moves the batch axis is refused with the node named', async (t) => {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(sharedModel('person-yolox-192')));
  const transpose = model.graph?.node?.find((n) => n.opType === 'Transpose');
  const perm = transpose?.attribute?.find((a) => a.name === 'perm');
  if (!perm) throw new Error('the person model has a Transpose with perm');
  perm.ints = [1, 0, 2];
  const r = makeBatchDynamic(onnxProto.onnx.ModelProto.encode(model).finish());
  t.equal(r.ok, false);
  t.match(!r.ok && r.reason, /Transpose node "Transpose_423" moves the batch axis/);
});

t.test('a Reshape to a computed shape and an unknown operator are refused', async (t) => {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(sharedModel('face-yunet-2023mar')));
  const reshape = model.graph?.node?.find((n) => n.opType === 'Reshape');
  if (!reshape?.input) throw new Error('the face model has a Reshape');
  reshape.input[1] = 'computed_somewhere';
  const r = makeBatchDynamic(onnxProto.onnx.ModelProto.encode(model).finish());
  t.match(!r.ok && r.reason, /reshapes to a shape computed at run time/);
  reshape.opType = 'NonMaxSuppression';
  const r2 = makeBatchDynamic(onnxProto.onnx.ModelProto.encode(model).finish());
  t.match(!r2.ok && r2.reason, /NonMaxSuppression node ".*" is not known to keep the batch axis/);
});

t.test('bytes that are not ONNX are refused, not thrown', async (t) => {
  const r = makeBatchDynamic(Buffer.from('not a model at all'));
  t.equal(r.ok, false);
});
