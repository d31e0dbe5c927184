import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAgreement, type QuantizeCommandReport, type QuantizeFlags } from '../../agent/cli/commands/quantize.js';
import { hasCode } from '../../agent/errors/agent-error.js';
import { silentLogger } from '../../agent/log/logger.js';
import { bundledManifestDir, loadManifestFile } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { runCli } from '../helpers/run-cli.js';
import { sharedImages, sharedModel, sharedModels } from '../helpers/shared.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

t.test('models quantize writes a variant that validates, loads by id and infers; the float model is untouched', async (t) => {
  const dir = t.testdir();
  const floatBefore = sha256(sharedModel('person-yolox-192'));
  const r = await runCli(['models', 'quantize', 'person-yolox-192', '--calibration', sharedImages, '--model-dir', dir, '--from', sharedModels, '--activation-type', 'uint8', '--calibration-scenes', '4', '--scenes', '3', '--min-agreement', '0', '--json'], {}, 120_000);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /calibration pass 2\/2: 9\/9 images/, 'plain progress lines when stderr is not a terminal');
  t.match(r.stderr, /skipping calibration image that cannot be decoded/, 'truncated.jpg is skipped with a warning');
  const report = JSON.parse(r.stdout) as QuantizeCommandReport;
  t.equal(report.evalSet.images, 5, 'evaluated on the calibration images that decode');
  t.equal(report.scenes?.images, 3);
  t.ok(report.evalSet.agreement >= 0 && report.evalSet.agreement <= 1);

  const manifestPath = join(dir, 'person-yolox-192-uint8', 'manifest.json');
  const manifest = loadManifestFile(manifestPath);
  t.equal(manifest.quantization, 'uint8-qdq');
  t.equal(manifest.derivedFrom, 'person-yolox-192');
  // --keep-float defaults to auto: counts tried until the calibration frames all agree.
  const tried = report.quantization.keepFloatTried;
  const kept = report.quantization.keptFloat.length;
  t.ok(tried.length >= 1 && tried[0]!.keepFloat === 0, `auto tried ${JSON.stringify(tried)}`);
  const reached = tried.find((c) => c.score >= 1);
  t.equal(kept, reached ? reached.keepFloat : tried.reduce((a, b) => (b.score > a.score ? b : a)).keepFloat, 'the first count matching every calibration box, else the best');
  t.equal(tried.at(-1)!.keepFloat === kept || !reached, true, 'nothing tried after the target was reached');
  const floatNote = kept === 0 ? '' : kept === 1 ? ', the most sensitive block float' : `, the ${kept} most sensitive blocks float`;
  t.same(manifest.calibration, { images: 5, method: 'percentile 99.99', description: `5 images from ${sharedImages} plus 4 scenes composited from them, percentile 99.99 activation ranges, uint8 (U8S8)${floatNote}` });
  const modelPath = join(dir, 'person-yolox-192-uint8', 'model.onnx');
  t.equal(manifest.sha256, sha256(modelPath));
  t.equal(manifest.bytes, readFileSync(modelPath).length);
  t.equal(sha256(sharedModel('person-yolox-192')), floatBefore, 'the shared float model is not modified');
  t.equal(sha256(join(dir, 'person-yolox-192', 'model.onnx')), floatBefore, 'the pulled float model is not modified');

  const store = new ModelStore({ modelDir: dir, manifestDirs: [bundledManifestDir, dir], logger: silentLogger() });
  t.equal((await store.verify('person-yolox-192-uint8')).state, 'ok');

  const infer = await runCli(['infer', '--model', 'person-yolox-192-uint8', '--model-dir', dir, join(sharedImages, 'hopper.jpg')]);
  t.equal(infer.code, 0, infer.stderr);
  const record = JSON.parse(infer.stdout.trim().split('\n')[0]!) as { model: { id: string; sha256: string }; detections: { label: string; score: number }[] };
  t.same(record.model.id, 'person-yolox-192-uint8');
  t.equal(record.model.sha256, manifest.sha256);
  t.ok(record.detections.some((d) => d.label === 'person' && d.score > 0.5), 'the int8 variant finds the person in hopper.jpg');

  const again = await runCli(['models', 'quantize', 'person-yolox-192', '--calibration', sharedImages, '--model-dir', dir, '--out-id', 'face-yunet-2023mar']);
  t.equal(again.code, 2, 'an --out-id naming another model is a usage error');
  t.match(again.stderr, /EDGE_QUANTIZE_OUTPUT_INVALID/);
});

t.test('--min-agreement: below the bar the command fails with the model kind and removes the variant', async (t) => {
  const dir = t.testdir();
  const variantDir = join(dir, 'm-int8');
  mkdirSync(variantDir);
  writeFileSync(join(variantDir, 'model.onnx'), 'x');
  const agreement = (a: number) => ({ task: 'detection' as const, images: 5, agreement: a, floatBoxes: 4, variantBoxes: 4, matchedBoxes: 0, meanScoreDiff: 0, meanAbsScoreDiff: 0, perImage: [], skipped: [] });
  const report = { id: 'm', variant: { id: 'm-int8' }, modelPath: join(variantDir, 'model.onnx'), evalSet: agreement(0.96), scenes: agreement(0.5) } as unknown as QuantizeCommandReport;
  const flags = (minAgreement?: number) => ({ minAgreement }) as QuantizeFlags;

  await checkAgreement(report, flags(undefined));
  await checkAgreement(report, flags(0.5));
  t.ok(existsSync(variantDir), 'at or above the bar nothing happens');
  const err = await checkAgreement(report, flags(0.9)).then(() => undefined, (e: unknown) => e);
  t.ok(hasCode(err, 'EDGE_QUANTIZE_AGREEMENT_LOW'));
  t.equal((err as { kind: string }).kind, 'model');
  t.match((err as Error).message, /0\.500 on the composited scenes/);
  t.notMatch((err as Error).message, /evaluation set/, 'only the set that failed is named');
  t.notOk(existsSync(variantDir), 'the failing variant is removed');
});
