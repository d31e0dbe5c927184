/**
 * One imported model per layout, each rewritten at test time from the shared YOLOX person
 * detector (helpers/rewrite-person-model.ts): every one must find exactly one person in hopper.jpg
 * and astronaut.png, within IoU 0.8 of the YOLOX decoder's box, and nothing in the other three.
 */
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportFlags } from '../../agent/cli/commands/models-import.js';
import type { ModelRunner } from '../../agent/pipeline/model-runner.js';
import type { Detection } from '../../agent/results/result-record.js';
import { builders } from './helpers/rewrite-person-model.js';
import { cocoNames } from './helpers/coco.js';
import { boxIou, detectionsOf, frameOf, importInto, runnerFor, withoutPerson, withPerson } from './helpers/import-and-run.js';

const dir = t.testdir();
const cocoTxt = join(dir, 'coco.txt');
writeFileSync(cocoTxt, `${cocoNames.join('\n')}\n`);
const cocoJson = join(dir, 'coco.json');
writeFileSync(cocoJson, JSON.stringify(Object.fromEntries(cocoNames.map((n, i) => [String(i), n]))));

/** The YOLOX decoder's person box per image: the reference every imported layout is held to. */
const reference = new Map<string, Detection['box']>();

t.before(async () => {
  const yolox = await runnerFor(dir, 'person-yolox-192');
  try {
    for (const name of withPerson) {
      const d = detectionsOf(await yolox.infer(frameOf(name)));
      if (d.length !== 1 || d[0] === undefined) throw new Error(`the YOLOX reference finds ${d.length} people in ${name}`);
      reference.set(name, d[0].box);
    }
  } finally {
    await yolox.close();
  }
});

async function holdsToReference(t: Test, runner: ModelRunner, label: string): Promise<Detection[]> {
  const found: Detection[] = [];
  for (const name of withPerson) {
    const d = detectionsOf(await runner.infer(frameOf(name)));
    t.equal(d.length, 1, `${label}: one detection in ${name} (${JSON.stringify(d)})`);
    const p = d[0];
    if (p === undefined) continue;
    found.push(p);
    t.equal(p.label, 'person', `${label}: it is a person`);
    const iou = boxIou(p.box, reference.get(name) as Detection['box']);
    t.ok(iou >= 0.8, `${label}: ${name} IoU ${iou.toFixed(3)} with the YOLOX box`);
    t.comment(`${label} ${name}: score ${p.score}, IoU ${iou.toFixed(3)}`);
  }
  for (const name of withoutPerson) t.same(detectionsOf(await runner.infer(frameOf(name))), [], `${label}: nothing in ${name}`);
  return found;
}

const cases: { label: string; build: (d: string) => string; flags: Omit<ImportFlags, 'modelDir' | 'dataDir'>; layout: string; decoder: string }[] = [
  { label: 'Ultralytics [1, 84, N] with metadata', build: builders.ultralytics, flags: {}, layout: 'ultralytics', decoder: 'yolo-anchor-free' },
  { label: 'transposed [1, N, 84], labels file', build: builders.transposed, flags: { labels: cocoTxt }, layout: 'ultralytics-transposed', decoder: 'yolo-anchor-free' },
  { label: 'YOLOv5 [1, 3N, 85]', build: builders.yolov5, flags: {}, layout: 'yolov5', decoder: 'yolov5' },
  { label: 'end-to-end [1, 300, 6]', build: builders.endToEnd, flags: {}, layout: 'end-to-end', decoder: 'end-to-end' },
  { label: 'end-to-end normalized', build: (d) => builders.endToEnd(d, true), flags: { layout: 'end-to-end-normalized', labels: cocoJson }, layout: 'end-to-end-normalized', decoder: 'end-to-end' },
  { label: 'SSD multi-output, uint8 NHWC', build: builders.ssd, flags: { labels: cocoTxt }, layout: 'ssd', decoder: 'ssd' },
  { label: 'dynamic input with --imgsz', build: builders.dynamic, flags: { imgsz: [192, 192] }, layout: 'ultralytics', decoder: 'yolo-anchor-free' },
];

for (const c of cases) {
  t.test(c.label, async (t) => {
    const file = c.build(dir);
    const { plan, path } = await importInto(dir, file, c.flags);
    t.equal(plan.layout, c.layout);
    t.equal(plan.manifest.decoder.name, c.decoder);
    t.equal(plan.manifest.labels.length, 80);
    t.ok(path?.endsWith('/model.onnx'), 'copied into the store');
    const runner = await runnerFor(dir, plan.manifest.id);
    t.teardown(() => runner.close());
    await holdsToReference(t, runner, c.label);
  });
}

t.test('Ultralytics preprocessing is recorded: RGB 0..1, centred letterbox padded 114', async (t) => {
  const { plan } = await importInto(dir, builders.ultralytics(dir), { id: 'ultra-again', dryRun: true });
  t.match(plan.manifest.input, { channelOrder: 'RGB', scale: 1 / 255, resize: 'letterbox', align: 'center', padValue: 114, shape: [1, 3, 192, 192] });
  t.match(plan.inferred.join('\n'), /labels \(80\): from metadata names/);
  t.match(plan.inferred.join('\n'), /layout ultralytics: output0 \[1, 84, 756\]/);
});

t.test('pose: 17 keypoints per person published as landmarks', async (t) => {
  const { plan } = await importInto(dir, builders.pose(dir));
  t.equal(plan.layout, 'ultralytics-pose');
  t.equal(plan.manifest.decoder.keypoints, 17);
  const runner = await runnerFor(dir, plan.manifest.id);
  t.teardown(() => runner.close());
  const people = await holdsToReference(t, runner, 'pose');
  for (const p of people) {
    t.equal(p.landmarks?.length, 17, 'seventeen keypoints');
    // The fixture puts them down the box's centre line, top to bottom.
    const first = p.landmarks?.[0];
    const last = p.landmarks?.[16];
    t.ok(first && Math.abs(first.y - p.box.y) < 2 && Math.abs(first.x - (p.box.x + p.box.width / 2)) < 2, `first keypoint at the top centre ${JSON.stringify(first)} of ${JSON.stringify(p.box)}`);
    t.ok(last && Math.abs(last.y - (p.box.y + p.box.height)) < 2, `last keypoint at the bottom centre ${JSON.stringify(last)}`);
  }
});

for (const probabilities of [false, true]) {
  t.test(`classifier [1, 2] as ${probabilities ? 'probabilities (ends in Softmax)' : 'logits'}`, async (t) => {
    const labels = join(dir, 'person-or-not.txt');
    writeFileSync(labels, 'person\nbackground\n');
    const { plan } = await importInto(dir, builders.classifier(dir, probabilities), { labels, preprocess: 'unit' });
    t.equal(plan.layout, probabilities ? 'classify-probabilities' : 'classify-logits');
    t.equal(plan.manifest.decoder.softmax, !probabilities, 'softmax only for logits');
    const runner = await runnerFor(dir, plan.manifest.id);
    t.teardown(() => runner.close());
    for (const name of [...withPerson, ...withoutPerson]) {
      const r = await runner.infer(frameOf(name), 0);
      const top = 'classes' in r ? r.classes[0] : undefined;
      const sum = 'classes' in r ? r.classes.reduce((a, c) => a + c.score, 0) : 0;
      t.equal(top?.label, (withPerson as readonly string[]).includes(name) ? 'person' : 'background', `${name}: ${JSON.stringify(top)}`);
      t.ok(Math.abs(sum - 1) < 1e-3, `${name}: probabilities sum to 1 (${sum})`);
    }
  });
}
