import t, { type Test } from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Frame } from '../../agent/capture/frame.js';
import { loadConfig } from '../../agent/config/load-config.js';
import { observeRaisedErrors } from '../../agent/errors/agent-error.js';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { silentLogger } from '../../agent/log/logger.js';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { listCalibrationImages } from '../../agent/quantize/calibration-set.js';
import { quantizeVariant } from '../../agent/quantize/quantize-variant.js';
import { VariantController } from '../../agent/variants/variant-controller.js';
import { sharedImage, sharedImages, sharedModels } from '../helpers/shared.js';

const base = 'person-yolox-192';
const int8 = 'person-yolox-192-int8';

// One int8 variant for the whole file: quantizing is the slow part.
const dir = mkdtempSync(join(tmpdir(), 'edge-variants-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const modelDir = join(dir, 'models');

/** Counts what the controller asks of the store, so "measured nothing" can be checked. */
class CountingStore extends ModelStore {
  ensured: string[] = [];
  override async ensure(id: string): Promise<string> {
    this.ensured.push(id);
    return super.ensure(id);
  }
}
const store = (at = modelDir) => new CountingStore({ modelDir: at, manifestDirs: [at, bundledManifestDir], mirrorDir: sharedModels, logger: silentLogger() });

const config = (selection: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  loadConfig({
    document: {
      label: 'test',
      values: {
        deviceId: 'variants',
        dataDir: dir,
        models: { dir: modelDir, mirror: sharedModels },
        health: { enabled: false },
        memoryBudgetBytes: 1 << 30,
        inference: { intraOpThreads: 1, variantSelection: selection },
        // 1 fps: a 1000 ms frame budget the float model meets on any machine the tests run on.
        cameras: [{ name: 'cam', source: { type: 'files', path: sharedImages }, targetFps: 1, models: [{ id: base }] }],
        ...extra,
      },
    },
    env: {},
  }).config;

const frame: Frame = { source: 'hopper.jpg', seq: 0, capturedAt: new Date(), image: { kind: 'encoded', data: readFileSync(sharedImage('hopper.jpg')) } };
const measure = { warmUpFrames: 1, measuredFrames: 3 };

const setup = async (t: Test, at = modelDir) => {
  const s = store(at);
  const pool = new RunnerPool(s, { deviceId: 'test', logger: silentLogger(), intraOpThreads: 1 });
  await pool.load([base]);
  t.teardown(() => pool.close());
  s.ensured = []; // what the controller asks for, not the pool's own load
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = createAgentMetrics({ processMetrics: false });
  // As the runtime does: every error code is counted where it is raised.
  t.teardown(observeRaisedErrors((code) => metrics.errorCounted(code)));
  return { store: s, pool, metrics, logger, lines };
};

t.before(async () => {
  const s = store();
  const images = await listCalibrationImages(sharedImages);
  await quantizeVariant({ store: s, id: base, calibrationDir: sharedImages, calibrationImages: images.slice(0, 3), method: 'minmax' });
});

t.test('over budget for longer than stepDownAfterSeconds: the pool runs the int8 variant and records say so', async (t) => {
  const { store: s, pool, metrics, logger, lines } = await setup(t);
  let now = 0;
  const controller = await VariantController.start({ config: config({ enabled: true, stepDownAfterSeconds: 1 }), store: s, pool, metrics, logger, sampleFrames: [frame], measure, clock: () => now });
  t.same([...new Set(s.ensured)].sort(), [base, int8], 'both candidates were looked at');
  const [status] = controller.status();
  t.equal(status?.frameBudgetMs, 1000, 'budget from the camera rate');
  t.same(status?.candidates.map((c) => c.id), [base, int8], 'both measured, most accurate first');
  for (const c of status?.candidates ?? []) t.comment(`${c.id}: p50 ${c.p50Ms.toFixed(1)} ms, p95 ${c.p95Ms.toFixed(1)} ms on hopper.jpg`);
  t.equal(pool.variantOf(base), base, 'within a generous budget the float model stays');
  t.equal(status?.switches[0]?.reason, 'initial');

  // 5 s per frame against a 1000 ms budget, 100 ms of clock apart.
  let fed = 0;
  while (pool.variantOf(base) === base && fed < 200) {
    controller.observe(base, 5000, base);
    fed++;
    now += 100;
    await controller.settled();
  }
  t.equal(pool.variantOf(base), int8, 'stepped down to the int8 variant');
  t.ok(fed >= 20 + 10 && fed < 40, `after the 20-frame minimum and 1 s over budget (${fed} frames)`);

  const record = await pool.get(base).infer(frame);
  const manifest = s.manifest(int8);
  t.same(record.model, { id: int8, version: manifest.version, sha256: manifest.sha256 }, 'results carry the variant that produced them');

  const text = (await metrics.registry.metrics()).split('\n');
  t.ok(text.includes(`edge_agent_model_variant_switches_total{model="${base}",from="${base}",to="${int8}",reason="over-budget"} 1`), 'switch counted');
  t.ok(text.includes(`edge_agent_model_variant_info{model="${base}",variant="${int8}"} 1`), 'variant in use exported');
  t.notOk(text.some((l) => l.startsWith(`edge_agent_model_variant_info{model="${base}",variant="${base}"}`)), 'the float series is gone');
  const logged = lines.find((l) => l['msg'] === 'model variant switched');
  t.match(logged, { level: 40, model: base, from: base, to: int8, reason: 'over-budget' }, 'step down logged as a warning');

  const after = controller.status()[0];
  t.equal(after?.variant, int8);
  t.same(after?.switches.map((w) => [w.from, w.to, w.reason]), [[null, base, 'initial'], [base, int8, 'over-budget']], 'status lists the switches');
  t.match(controller.summary(), `${base}=${int8} (1 switches)`);

  // A frame timed on the float runner after the swap must not count against the int8 variant.
  for (let i = 0; i < 30; i++) controller.observe(base, 5000, base);
  t.equal(controller.status()[0]?.observedP95Ms, null, 'late observations of the old variant are ignored');
});

t.test('a memory budget the float model does not fit: int8 is chosen at start', async (t) => {
  const { store: s, pool, metrics, logger } = await setup(t);
  const budget = 4 * s.manifest(int8).bytes; // the selector's memory factor is 4
  // No sampleFrames: measured on the synthetic frame of the camera's size (640x480 by default).
  const controller = await VariantController.start({ config: config({ enabled: true }, { memoryBudgetBytes: budget }), store: s, pool, metrics, logger, measure });
  t.ok(controller.status()[0]!.candidates.every((c) => c.p95Ms > 0), 'both measured on the synthetic frame');
  t.equal(pool.variantOf(base), int8);
  t.equal((await pool.get(base).infer(frame)).model.id, int8);
  t.match(await metrics.registry.metrics(), `edge_agent_model_variant_switches_total{model="${base}",from="${base}",to="${int8}",reason="initial"} 1`);
  t.equal(controller.status()[0]?.switches.length, 1);
});

t.test('selection off (the default): nothing measured, nothing switched, however slow', async (t) => {
  const { store: s, pool, metrics, logger, lines } = await setup(t);
  const controller = await VariantController.start({ config: config({}), store: s, pool, metrics, logger, sampleFrames: [frame], measure });
  t.same(s.ensured, [], 'the store was not asked for any candidate');
  for (let i = 0; i < 100; i++) controller.observe(base, 1e6, base);
  await controller.settled();
  t.equal(pool.variantOf(base), base);
  t.same(controller.status(), []);
  t.equal(controller.summary(), '');
  t.notMatch(await metrics.registry.metrics(), /edge_agent_model_variant_\w+\{/, 'no variant series');
  t.same(lines, [], 'nothing logged');
});

t.test('a model without variants is left alone', async (t) => {
  const { store: s, pool, metrics, logger } = await setup(t);
  await pool.load(['face-yunet-2023mar']);
  const cameras = [{ name: 'cam', source: { type: 'files', path: sharedImages }, targetFps: 1, models: [{ id: 'face-yunet-2023mar' }] }];
  const controller = await VariantController.start({ config: config({ enabled: true }, { cameras }), store: s, pool, metrics, logger, sampleFrames: [frame], measure });
  t.same(controller.status(), [], 'nothing to select');
  t.equal(pool.variantOf('face-yunet-2023mar'), 'face-yunet-2023mar');
  t.match(await metrics.registry.metrics(), 'edge_agent_model_variant_info{model="face-yunet-2023mar",variant="face-yunet-2023mar"} 1');
});

t.test('remeasure measures again under the current load and keeps a choice that still fits', async (t) => {
  const { store: s, pool, metrics, logger } = await setup(t);
  const controller = await VariantController.start({ config: config({ enabled: true }), store: s, pool, metrics, logger, sampleFrames: [frame], measure });
  const first = controller.status()[0]?.candidates;
  s.ensured = [];
  await controller.remeasure();
  t.ok(s.ensured.includes(int8), 'the int8 variant was loaded again to be measured');
  t.not(controller.status()[0]?.candidates, first, 'new measurements replace the old');
  t.equal(pool.variantOf(base), base, 'still the float model under a generous budget');
  t.equal(controller.status()[0]?.switches.length, 1, 'no switch');
});

t.test('a variant that cannot be loaded when it is needed: logged, counted, selection stops, the model keeps running', async (t) => {
  const other = join(dir, 'models-broken');
  cpSync(join(modelDir, int8), join(other, int8), { recursive: true });
  const { store: s, pool, metrics, logger, lines } = await setup(t, other);
  let now = 0;
  const controller = await VariantController.start({ config: config({ enabled: true, stepDownAfterSeconds: 1 }), store: s, pool, metrics, logger, sampleFrames: [frame], measure, clock: () => now });
  rmSync(join(other, int8, 'model.onnx'));
  for (let i = 0; i < 40; i++) {
    controller.observe(base, 5000, base);
    now += 100;
    await controller.settled();
  }
  t.equal(pool.variantOf(base), base, 'the float model still runs');
  t.equal((await pool.get(base).infer(frame)).model.id, base);
  t.match(controller.status()[0]?.stoppedBecause, new RegExp(`switching to ${int8} failed`));
  t.match(lines.find((l) => l['msg'] === 'model variant switch failed; variant selection stopped for this model'), { level: 50, to: int8 });
  const text = await metrics.registry.metrics();
  t.match(text, /edge_agent_errors_total\{code="EDGE_MODEL_\w+"\} 1/, 'the error counted by its code');
  t.notMatch(text, /edge_agent_model_variant_switches_total\{/, 'no switch counted');
});

t.test('selection off: models.variantPreference picks the int8 variant without measuring; the default keeps the float model', async (t) => {
  const preferInt8 = await setup(t);
  await VariantController.start({ config: config({ enabled: false }, { models: { dir: modelDir, mirror: sharedModels, variantPreference: ['int8-qdq', 'none'] } }), store: preferInt8.store, pool: preferInt8.pool, metrics: preferInt8.metrics, logger: preferInt8.logger });
  t.equal(preferInt8.pool.variantOf(base), int8, 'the pool runs the int8 variant');
  const record = await preferInt8.pool.get(base).infer(frame, 0.5);
  t.equal(record.model.id, int8, 'records name the variant');
  t.ok(preferInt8.lines.some((l) => l['msg'] === 'model variant chosen by models.variantPreference'), 'the choice is logged');
  const byDefault = await setup(t);
  await VariantController.start({ config: config({ enabled: false }), store: byDefault.store, pool: byDefault.pool, metrics: byDefault.metrics, logger: byDefault.logger });
  t.equal(byDefault.pool.variantOf(base) ?? base, base, 'default preference [none]: the float model runs');
  t.same(byDefault.store.ensured, [], 'nothing looked up');
});
