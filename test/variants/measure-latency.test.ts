import t from 'tap';
import { readFileSync } from 'node:fs';
import { silentLogger } from '../../agent/log/logger.js';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { listCalibrationImages } from '../../agent/quantize/calibration-set.js';
import { quantizeVariant } from '../../agent/quantize/quantize-variant.js';
import { variantCandidates } from '../../agent/variants/candidates.js';
import { measureCandidates } from '../../agent/variants/measure-latency.js';
import { VariantSelector } from '../../agent/variants/variant-selector.js';
import { sharedImage, sharedImages, sharedModels } from '../helpers/shared.js';

t.test('measures the real person model and its int8 variant, and the selector picks between them', async (t) => {
  const dir = t.testdir();
  const store = () => new ModelStore({ modelDir: dir, manifestDirs: [bundledManifestDir, dir], mirrorDir: sharedModels, logger: silentLogger() });
  await quantizeVariant({
    store: store(),
    id: 'person-yolox-192',
    calibrationDir: sharedImages,
    calibrationImages: await listCalibrationImages(sharedImages),
    method: 'percentile',
    activationType: 'uint8',
  });
  const candidates = variantCandidates(store().manifests(), 'person-yolox-192');
  t.same(candidates.map((c) => c.id), ['person-yolox-192', 'person-yolox-192-uint8'], 'the variant written to the model dir is found through derivedFrom');
  t.ok(candidates[1]!.fileBytes < candidates[0]!.fileBytes * 0.35, 'the variant file is the smaller one');

  const frames = ['hopper.jpg', 'astronaut.png'].map((name, seq) => ({ source: name, seq, capturedAt: new Date(), image: { kind: 'encoded' as const, data: readFileSync(sharedImage(name)) } }));
  const measured = await measureCandidates(store(), candidates, frames, { deviceId: 'test', logger: silentLogger(), intraOpThreads: 1 }, { warmUpFrames: 2, measuredFrames: 6 });
  t.equal(measured.length, 2);
  for (const m of measured) {
    t.ok(m.p50Ms > 0 && m.p95Ms >= m.p50Ms, `${m.id}: p50 ${m.p50Ms.toFixed(1)} ms <= p95 ${m.p95Ms.toFixed(1)} ms`);
  }

  // Budgets relative to what was measured, so the test holds on a slow or a fast machine.
  const generous = new VariantSelector(measured, { frameBudgetMs: 10 * Math.max(...measured.map((m) => m.p95Ms)), memoryBudgetBytes: 1 << 30 });
  t.equal(generous.current.id, 'person-yolox-192', 'with time to spare the float model runs');
  const noMemoryForFloat = new VariantSelector(measured, { frameBudgetMs: 1e6, memoryBudgetBytes: 4 * candidates[1]!.fileBytes });
  t.equal(noMemoryForFloat.current.id, 'person-yolox-192-uint8', 'a memory budget the float file does not fit picks the int8 variant');
});
