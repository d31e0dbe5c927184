import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { sharedImage, sharedImages, sharedModels } from '../helpers/shared.js';

const doc = (dir: string, camera: Record<string, unknown>) => ({
  deviceId: 'reconf',
  dataDir: dir,
  models: { mirror: sharedModels },
  health: { enabled: false },
  cameras: [{ name: 'cam', source: { type: 'files', path: sharedImages, fps: 20, loop: true }, targetFps: 20, models: [{ id: 'person-yolox-192', threshold: 0.5 }], ...camera }],
});
/** A temp dir removed after the runtime stopped (t.testdir's own cleanup may run first and race the outbox). */
const tempDir = (t: Test, rt: () => AgentRuntime | undefined) => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-reconf-'));
  t.teardown(async () => {
    await rt()?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
};
const load = (d: Record<string, unknown>) => loadConfig({ document: { values: d, label: 'test' }, env: {} });
const newestPayloads = (rt: AgentRuntime, n: number) => rt.outbox.nextPending(100_000).slice(-n).map((r) => JSON.parse(r.payload) as { model: { id: string } });
const until = async (cond: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
};

t.test('thresholds, policy and models change live; a model that cannot load is refused and the old setup keeps running', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  const rt = (started.rt = await AgentRuntime.start(load(doc(dir, {})), { logger: silentLogger(), executableSearchPath: '' }));
  const loop = rt.cameras[0]!;
  t.ok(await until(() => rt.status().resultsKept >= 5), 'results flow');

  // 1. A model change: the face model loads beside the person model, then the camera switches.
  const r1 = await rt.reconfigure(load(doc(dir, { models: [{ id: 'face-yunet-2023mar', threshold: 0.6 }] })).config);
  t.same(r1.camerasUpdated, ['cam'], 'same source: updated in place, not restarted');
  t.same(r1.modelsLoaded, ['face-yunet-2023mar']);
  t.same(r1.modelsUnloaded, ['person-yolox-192']);
  t.equal(rt.cameras[0], loop, 'the same loop object keeps running');
  const kept = rt.status().resultsKept;
  t.ok(await until(() => rt.status().resultsKept >= kept + 3), 'results keep flowing after the switch');
  t.equal(newestPayloads(rt, 1)[0]?.model.id, 'face-yunet-2023mar', 'new results come from the new model');

  // 2. A model that does not exist: refused, nothing changes.
  await t.rejects(rt.reconfigure(load(doc(dir, { models: [{ id: 'no-such-model' }] })).config), { code: 'EDGE_MODEL_UNKNOWN' });
  t.equal(rt.config.cameras[0]?.models[0]?.id, 'face-yunet-2023mar', 'old configuration still in force');
  const before = rt.status().resultsKept;
  t.ok(await until(() => rt.status().resultsKept >= before + 3), 'and still producing results');

  // 3. on-change with a long heartbeat on a camera that always sees the same face: one result, then silence.
  const same = { source: { type: 'files', path: sharedImage('hopper.jpg'), fps: 20, loop: true } };
  await rt.reconfigure(load(doc(dir, { ...same, models: [{ id: 'face-yunet-2023mar', threshold: 0.6, report: { policy: 'on-change', heartbeatSeconds: 3600 } }] })).config);
  // Counted in frames, not seconds, so a slow machine only takes longer: once the first result
  // under the new policy is kept, three more inferred frames of the same face keep nothing.
  const switched = rt.status().framesInferred;
  t.ok(await until(() => rt.status().framesInferred >= switched + 2), 'the new policy has seen a frame');
  const a = rt.status();
  t.ok(await until(() => rt.status().framesInferred >= a.framesInferred + 3), 'frames still inferred');
  const b = rt.status();
  t.equal(b.resultsKept - a.resultsKept, 0, 'nothing changed, nothing kept');

  // 4. A restart-only key is reported, not applied.
  const r4 = await rt.reconfigure(load({ ...doc(dir, { ...same, models: [{ id: 'face-yunet-2023mar', threshold: 0.6 }] }), outbox: { maxRows: 5000 } }).config);
  t.same(r4.needsRestart, ['outbox']);
});

t.test('a new source starts before the old one stops; a source that cannot open leaves the old one running', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  const rt = (started.rt = await AgentRuntime.start(load(doc(dir, {})), { logger: silentLogger(), executableSearchPath: '' }));
  const old = rt.cameras[0]!;
  await t.rejects(rt.reconfigure(load(doc(dir, { source: { type: 'files', path: join(dir, 'empty-folder-that-is-not-there'), fps: 20 } })).config), { code: 'EDGE_CAPTURE_NO_FILES' });
  t.equal(rt.cameras[0], old, 'old camera kept');
  const r = await rt.reconfigure(load(doc(dir, { source: { type: 'files', path: sharedImage('hopper.jpg'), fps: 20, loop: true } })).config);
  t.same(r.camerasRestarted, ['cam']);
  t.not(rt.cameras[0], old, 'a new loop replaced the old one');
  const n = rt.status().resultsKept;
  t.ok(await until(() => rt.status().resultsKept >= n + 3), 'new source delivers');
});
