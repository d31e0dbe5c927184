/**
 * What `models import` refuses, and how it says so: each error names what it saw and the flag that
 * fixes it; nothing is written when it fails, and --dry-run writes nothing either.
 */
import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, encodeModel, onnx } from '../../agent/quantize/onnx-model.js';
import { runCli } from '../helpers/run-cli.js';
import { builders } from './helpers/rewrite-person-model.js';
import { cocoNames } from './helpers/coco.js';
import { importInto, storeFlags } from './helpers/import-and-run.js';

const dir = t.testdir();
const storeDir = join(dir, 'models');
const stored = () => (existsSync(storeDir) ? readdirSync(storeDir) : []);

t.test('an output layout no family has: what was seen, and the --layout values', async (t) => {
  const file = builders.unknownLayout(dir);
  await t.rejects(importInto(dir, file), { code: 'EDGE_MODEL_IMPORT_LAYOUT', message: /output0 \[1, 84, 700\][\s\S]*ultralytics: expects \[1, 4 \+ classes, 756\][\s\S]*--layout values: ultralytics, ultralytics-transposed, yolov5, end-to-end, end-to-end-normalized, ultralytics-pose, ssd, classify-logits, classify-probabilities, yolox, yunet/ });
  await t.rejects(importInto(dir, file, { layout: 'yolov5' }), { code: 'EDGE_MODEL_IMPORT_LAYOUT', message: /the layout --layout yolov5 names/ }, 'a --layout that does not fit is refused too');
  t.same(stored(), [], 'nothing written');
});

t.test('a class count that disagrees with the labels (the transposed detector with 79 labels)', async (t) => {
  const labels = join(dir, 'coco79.txt');
  writeFileSync(labels, cocoNames.slice(0, 79).join('\n'));
  await t.rejects(importInto(dir, builders.transposed(dir), { labels }), { code: 'EDGE_MODEL_IMPORT_LABELS', message: /Expected 80 labels for layout ultralytics-transposed .* but .*coco79\.txt has 79/ });
  await t.rejects(importInto(dir, builders.transposed(dir)), { code: 'EDGE_MODEL_IMPORT_LABELS', message: /Expected 80 labels .* pass --labels FILE/ }, 'no labels at all names --labels');
  t.same(stored(), []);
});

t.test('a dynamic input size without --imgsz (and no imgsz in the metadata)', async (t) => {
  await t.rejects(importInto(dir, builders.dynamic(dir)), { code: 'EDGE_MODEL_IMPORT_INPUT', message: /images is \[1, 3, height, width\] .*pass --imgsz N/ });
  t.same(stored(), []);
});

t.test('an operator ONNX Runtime does not have (TensorRT NMS plugin), and an opset it does not know', async (t) => {
  await t.rejects(importInto(dir, builders.tensorrtPlugin(dir)), { code: 'EDGE_MODEL_IMPORT_UNSUPPORTED', message: /opsets ai\.onnx@11, TRT@1\) fails: .*EfficientNMS_TRT/ });
  const model = decodeModel(readFileSync(builders.ultralytics(dir)), 'ultralytics');
  model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 99 })];
  const future = join(dir, 'opset99.onnx');
  writeFileSync(future, encodeModel(model));
  await t.rejects(importInto(dir, future), { code: 'EDGE_MODEL_IMPORT_UNSUPPORTED', message: /opsets ai\.onnx@99\) fails: .*re-export it with an opset ONNX Runtime supports/ });
  t.same(stored(), []);
});

t.test('an id already in the store is refused without --force; --dry-run writes nothing', async (t) => {
  const file = builders.ultralytics(dir);
  const dry = await importInto(dir, file, { id: 'mine', dryRun: true });
  t.equal(dry.path, undefined);
  t.same(stored(), [], '--dry-run wrote nothing');
  const first = await importInto(dir, file, { id: 'mine' });
  const manifestPath = join(storeDir, 'mine', 'manifest.json');
  const before = readFileSync(manifestPath, 'utf8');
  t.equal((JSON.parse(before) as { sha256: string }).sha256, first.plan.manifest.sha256);
  await t.rejects(importInto(dir, file, { id: 'mine' }), { code: 'EDGE_MODEL_IMPORT_EXISTS', message: /"mine" is already in the store .*pass --force/ });
  await t.rejects(importInto(dir, file, { id: 'person-yolox-192' }), { code: 'EDGE_MODEL_IMPORT_EXISTS' }, 'a bundled id counts as taken');
  t.equal(readFileSync(manifestPath, 'utf8'), before, 'the refused import left the manifest alone');
  const again = await importInto(dir, file, { id: 'mine', force: true });
  t.equal(again.plan.manifest.id, 'mine', '--force replaces it');
  t.same(readdirSync(join(storeDir, 'mine')).sort(), ['manifest.json', 'model.onnx'], 'no temporary files left beside it');
});

t.test('the command line: inferred lines on stdout, then verify and info accept the imported model; errors exit 3 naming the flag', async (t) => {
  const cliDir = join(dir, 'cli');
  const file = builders.yolov5(dir);
  const flags = ['--model-dir', storeFlags(cliDir).modelDir as string, '--data-dir', storeFlags(cliDir).dataDir as string];
  const ok = await runCli(['models', 'import', file, '--id', 'v5', ...flags], {}, 120_000);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /layout yolov5: output0 \[1, 2268, 85\]: 2268 anchors \(3 per grid cell\)/);
  t.match(ok.stdout, /labels \(80\): from metadata names/);
  t.match(ok.stdout, /imported "v5"/);
  const verify = await runCli(['models', 'verify', 'v5', ...flags], {}, 120_000);
  t.equal(verify.code, 0, verify.stderr);
  t.match(verify.stdout, /v5: ok/);
  const info = await runCli(['models', 'info', 'v5', ...flags], {}, 120_000);
  t.equal(info.code, 0, info.stderr);
  t.match(info.stdout, /matches its manifest/);
  const bad = await runCli(['models', 'import', builders.dynamic(dir), ...flags], {}, 120_000);
  t.equal(bad.code, 3);
  t.match(bad.stderr, /--imgsz N.*\[EDGE_MODEL_IMPORT_INPUT\]/);
  const badSize = await runCli(['models', 'import', file, '--imgsz', 'big', ...flags], {}, 120_000);
  t.not(badSize.code, 0);
  t.match(badSize.stderr, /Expected N or HxW/);
});
