import t from 'tap';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { silentLogger } from '../../agent/log/logger.js';
import type { Detection, ResultRecord } from '../../agent/results/result-record.js';
import { sharedImage } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';
import { validateResultRecord } from '../helpers/result-schema.js';

const frame = (name: string, data: Buffer = readFileSync(sharedImage(name))) => ({ source: name, seq: 0, capturedAt: new Date(), image: { kind: 'encoded' as const, data } });
const detectionsOf = (r: ResultRecord): Detection[] => ('detections' in r ? r.detections : []);
const iou = (a: Detection['box'], b: Detection['box']) => {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
};

t.test('person model at 0.5: one person in hopper and astronaut, none elsewhere', async (t) => {
  const store = testStore(t.testdir());
  const runner = await ModelRunner.load(store, 'person-yolox-192', { deviceId: 'test-device', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(() => runner.close());
  t.equal(runner.session.provider, 'cpu');
  for (const name of ['hopper.jpg', 'astronaut.png']) {
    const r = await runner.infer(frame(name), 0.5);
    t.ok(validateResultRecord(r), `${name} record matches the schema ${JSON.stringify(validateResultRecord.errors)}`);
    const d = detectionsOf(r);
    t.equal(d.length, 1, `${name}: one person`);
    t.equal(d[0]?.label, 'person');
    t.ok((d[0]?.score ?? 0) > 0.8, `${name}: confident (${d[0]?.score})`);
  }
  // The person fills most of both portraits: the box must cover the centre of the image and most of its height.
  const hop = detectionsOf(await runner.infer(frame('hopper.jpg'), 0.5))[0]!.box;
  t.ok(hop.x < 506 && hop.x + hop.width > 506 && hop.height > 0.8 * 1280, `hopper box covers the person ${JSON.stringify(hop)}`);
  const ast = detectionsOf(await runner.infer(frame('astronaut.png'), 0.5))[0]!.box;
  t.ok(ast.x < 150 && ast.x + ast.width > 300 && ast.height > 400, `astronaut box covers the person ${JSON.stringify(ast)}`);
  for (const name of ['coffee.png', 'chelsea.png', 'rocket.jpg']) {
    t.same(detectionsOf(await runner.infer(frame(name), 0.5)), [], `${name}: no person`);
  }
});

t.test('face model: one face in hopper and astronaut where the README says, landmarks inside the box', async (t) => {
  const runner = await ModelRunner.load(testStore(t.testdir()), 'face-yunet-2023mar', { deviceId: 'test-device', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(() => runner.close());
  const expected: Record<string, Detection['box']> = { 'hopper.jpg': { x: 360, y: 225, width: 300, height: 380 }, 'astronaut.png': { x: 180, y: 65, width: 90, height: 112 } };
  for (const [name, box] of Object.entries(expected)) {
    const r = await runner.infer(frame(name), 0.6);
    t.ok(validateResultRecord(r), `${name} matches the schema`);
    const d = detectionsOf(r);
    t.equal(d.length, 1, `${name}: one face`);
    const f = d[0]!;
    t.ok(iou(f.box, box) > 0.8, `${name}: face near the README's box (${JSON.stringify(f.box)})`);
    t.equal(f.landmarks?.length, 5);
    for (const p of f.landmarks ?? []) t.ok(p.x >= f.box.x && p.x <= f.box.x + f.box.width && p.y >= f.box.y && p.y <= f.box.y + f.box.height, `${name}: landmark ${JSON.stringify(p)} inside the box`);
  }
  t.same(detectionsOf(await runner.infer(frame('coffee.png'), 0.6)), [], 'no face on coffee.png');
});

t.test('a composited scene: one detection per pasted person, each within IoU 0.6 of where it was pasted', async (t) => {
  const runner = await ModelRunner.load(testStore(t.testdir()), 'person-yolox-192', { deviceId: 'test-device', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(() => runner.close());
  // Crop each person to the box the model finds on the portrait, then paste the crops onto a scene without people.
  const crops: { data: Buffer; width: number; height: number }[] = [];
  for (const name of ['hopper.jpg', 'astronaut.png']) {
    const b = detectionsOf(await runner.infer(frame(name), 0.5))[0]!.box;
    const crop = await sharp(readFileSync(sharedImage(name))).extract({ left: Math.round(b.x), top: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) }).toBuffer({ resolveWithObject: true });
    crops.push({ data: crop.data, width: crop.info.width, height: crop.info.height });
  }
  const placements = [
    { crop: 0, left: 60, top: 180, height: 480 },
    { crop: 1, left: 520, top: 120, height: 560 },
    { crop: 0, left: 980, top: 330, height: 320 },
  ];
  const pasted: Detection['box'][] = [];
  const layers = [];
  for (const p of placements) {
    const c = crops[p.crop]!;
    const width = Math.round((c.width * p.height) / c.height);
    layers.push({ input: await sharp(c.data).resize(width, p.height).toBuffer(), left: p.left, top: p.top });
    pasted.push({ x: p.left, y: p.top, width, height: p.height });
  }
  const scene = await sharp(readFileSync(sharedImage('rocket.jpg'))).resize(1280, 720, { fit: 'cover' }).composite(layers).jpeg().toBuffer();
  const found = detectionsOf(await runner.infer(frame('scene.jpg', scene), 0.5));
  t.equal(found.length, pasted.length, `one detection per pasted person: ${JSON.stringify(found.map((f) => f.box))}`);
  for (const [i, box] of pasted.entries()) {
    const best = Math.max(...found.map((f) => iou(f.box, box)));
    t.ok(best >= 0.6, `person ${i} found with IoU ${best.toFixed(2)}`);
  }
});

t.test('asking for cuda on a CPU-only build falls back to cpu and says so', async (t) => {
  const warnings: unknown[] = [];
  const logger = silentLogger();
  logger.warn = ((obj: unknown) => {
    warnings.push(obj);
  });
  logger.debug = (() => undefined);
  const runner = await ModelRunner.load(testStore(t.testdir()), 'person-yolox-192', { deviceId: 'd', logger, executionProviders: ['cuda', 'tensorrt', 'cpu'], intraOpThreads: 1 });
  t.teardown(() => runner.close());
  t.equal(runner.session.provider, 'cpu', 'runs on cpu');
  t.same(runner.session.fallbacks.map((f) => f.provider), ['cuda', 'tensorrt']);
  t.ok(runner.session.fallbacks.every((f) => f.reason.length > 0), 'each fallback has a reason');
  t.ok(runner.session.warmUpMs > 0, 'warm-up ran at load');
  const r = await runner.infer(frame('hopper.jpg'), 0.5);
  t.equal(r.provider, 'cpu', 'the record names the provider actually used');
});

t.test('frames with different sizes in a row reuse one session and one buffer correctly', async (t) => {
  const runner = await ModelRunner.load(testStore(t.testdir()), 'person-yolox-192', { deviceId: 'd', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(() => runner.close());
  const a = detectionsOf(await runner.infer(frame('hopper.jpg'), 0.5));
  await runner.infer(frame('rocket.jpg'), 0.5);
  const b = detectionsOf(await runner.infer(frame('hopper.jpg'), 0.5));
  t.same(a, b, 'same result for the same image after a differently sized one');
});

t.test('concurrent calls on one runner are serialized and each gets its own frame’s result', async (t) => {
  const runner = await ModelRunner.load(testStore(t.testdir()), 'person-yolox-192', { deviceId: 'd', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(() => runner.close());
  const [a, b, c] = await Promise.all([runner.infer(frame('hopper.jpg'), 0.5), runner.infer(frame('coffee.png'), 0.5), runner.infer(frame('astronaut.png'), 0.5)]);
  t.equal(a.frame.width, 1012);
  t.equal(detectionsOf(a).length, 1);
  t.equal(b.frame.width, 600);
  t.equal(detectionsOf(b).length, 0);
  t.equal(c.frame.width, 512);
  t.equal(detectionsOf(c).length, 1);
});
