import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { silentLogger } from '../../agent/log/logger.js';
import type { Detection, ResultRecord } from '../../agent/results/result-record.js';
import { sharedImage, sharedModel } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';

const frame = (name: string, data: Buffer = readFileSync(sharedImage(name))) => ({ source: `camera-${name}`, seq: 0, capturedAt: new Date(), image: { kind: 'encoded' as const, data } });
const detectionsOf = (r: ResultRecord): Detection[] => ('detections' in r ? r.detections : []);
const images = ['hopper.jpg', 'coffee.png', 'astronaut.png', 'chelsea.png'];
// Far longer than any test: a batch starts because it is full, never because time passed.
const fillOnly = { maxBatch: 4, maxWaitMs: 600_000 };

for (const [id, threshold] of [['person-yolox-192', 0.5], ['face-yunet-2023mar', 0.6]] as const) {
  t.test(`${id}: a batch of 4 cameras gives each frame the result it gets alone`, async (t) => {
    const store = testStore(t.testdir());
    const single = await ModelRunner.load(store, id, { deviceId: 'd', logger: silentLogger(), intraOpThreads: 1 });
    t.teardown(() => single.close());
    const batched = await ModelRunner.load(store, id, { deviceId: 'd', logger: silentLogger(), intraOpThreads: 1, batching: fillOnly });
    t.teardown(() => batched.close());
    t.equal(batched.batching.maxBatch, 4);
    t.equal(batched.batching.fallback, undefined, 'the graph was made batch-dynamic');
    const alone: ResultRecord[] = [];
    for (const name of images) alone.push(await single.infer(frame(name), threshold));
    const together = await Promise.all(images.map((name) => batched.infer(frame(name), threshold)));
    t.same({ batches: batched.batching.batches, frames: batched.batching.frames }, { batches: 1, frames: 4 }, 'the four frames ran as one call');
    for (const [i, name] of images.entries()) {
      const a = alone[i] as ResultRecord;
      const b = together[i] as ResultRecord;
      t.equal(b.frame.source, `camera-${name}`, `${name}: its own camera's record`);
      t.equal(b.frame.width, a.frame.width, `${name}: its own frame's size`);
      const da = detectionsOf(a);
      const db = detectionsOf(b);
      t.equal(db.length, da.length, `${name}: as many detections as alone (${da.length})`);
      for (const [k, d] of da.entries()) {
        const e = db[k] as Detection;
        t.ok(Math.abs(e.score - d.score) < 1e-4, `${name}: score ${e.score} vs ${d.score}`);
        for (const key of ['x', 'y', 'width', 'height'] as const) t.ok(Math.abs(e.box[key] - d.box[key]) < 0.01, `${name}: box.${key} ${e.box[key]} vs ${d.box[key]}`);
      }
    }
  });
}

t.test('a frame that cannot be decoded fails alone; the rest of its batch gets its results', async (t) => {
  const runner = await ModelRunner.load(testStore(t.testdir()), 'person-yolox-192', { deviceId: 'd', logger: silentLogger(), intraOpThreads: 1, batching: fillOnly });
  t.teardown(() => runner.close());
  const settled = await Promise.allSettled([
    runner.infer(frame('hopper.jpg'), 0.5),
    runner.infer(frame('empty.jpg', Buffer.alloc(0)), 0.5),
    runner.infer(frame('coffee.png'), 0.5),
    runner.infer(frame('astronaut.png'), 0.5),
  ]);
  t.same(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  t.match((settled[1] as PromiseRejectedResult).reason, { code: 'EDGE_INPUT_EMPTY' });
  const ok = (i: number) => (settled[i] as PromiseFulfilledResult<ResultRecord>).value;
  t.same([ok(0), ok(2), ok(3)].map((r) => [r.frame.source, detectionsOf(r).length]), [['camera-hopper.jpg', 1], ['camera-coffee.png', 0], ['camera-astronaut.png', 1]]);
  t.same({ batches: runner.batching.batches, failed: runner.batching.failedBatches }, { batches: 1, failed: 0 });
});

t.test('a graph that cannot take a dynamic batch runs one frame at a time and says why', async (t) => {
  const dir = t.testdir();
  const store = testStore(dir);
  const manifest = store.manifest('person-yolox-192');
  // An operator the rewrite does not know, on a side branch: the model still runs as before.
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(sharedModel('person-yolox-192')));
  model.graph?.node?.push(onnxProto.onnx.NodeProto.create({ opType: 'Size', input: ['images'], output: ['unused_size'], name: 'side_size' }));
  const path = join(dir, 'refused.onnx');
  writeFileSync(path, onnxProto.onnx.ModelProto.encode(model).finish());
  const warnings: unknown[] = [];
  const logger = silentLogger();
  logger.warn = ((obj: unknown) => {
    warnings.push(obj);
  });
  const runner = await ModelRunner.fromFile(manifest, path, { deviceId: 'd', logger, intraOpThreads: 1, batching: fillOnly });
  t.teardown(() => runner.close());
  t.equal(runner.batching.maxBatch, 1);
  t.match(runner.batching.fallback, /Size node "side_size" is not known to keep the batch axis/);
  t.equal(warnings.length, 1, 'logged once');
  const [a, b] = await Promise.all([runner.infer(frame('hopper.jpg'), 0.5), runner.infer(frame('coffee.png'), 0.5)]);
  t.same([detectionsOf(a).length, detectionsOf(b).length], [1, 0]);
  t.equal(runner.batching.batches, 0, 'no batch ran');
});
