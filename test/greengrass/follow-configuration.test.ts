import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { followGreengrassConfiguration, type GreengrassConfigFollower, type GreengrassConfigOptions } from '../../agent/greengrass/follow-configuration.js';
import { startNucleusDouble, type NucleusDouble } from '../publish/helpers/nucleus-double.js';
import { until } from '../publish/helpers/until.js';
import { sharedImage, sharedModels } from '../helpers/shared.js';

const TOKEN = 'svcuid-config-token';

// hopper.jpg holds one person the person model scores 0.94, so a threshold of 0.95 is visible in results.
const agentDoc = (dir: string, model: Record<string, unknown> = { id: 'person-yolox-192', threshold: 0.5 }) => ({
  deviceId: 'gg-config',
  dataDir: dir,
  models: { mirror: sharedModels },
  health: { enabled: false },
  cameras: [{ name: 'cam', source: { type: 'files', path: sharedImage('hopper.jpg'), fps: 20, loop: true }, targetFps: 20, models: [model] }],
});
const loadFrom = (values: Record<string, unknown>) => loadConfig({ document: { values, label: 'the component configuration key `agent`' }, env: {} }).config;
const newest = (rt: AgentRuntime) => {
  const row = rt.outbox.nextPending(1_000_000).at(-1);
  return row === undefined ? undefined : (JSON.parse(row.payload) as { model: { id: string }; detections: Array<{ label: string; score: number }> });
};

interface Rig {
  dir: string;
  nucleus: NucleusDouble;
  rt: AgentRuntime;
  follower: GreengrassConfigFollower;
  /** What the follower's isDraining() answers besides "rows are pending". */
  publisherConnected: boolean;
}

/** A runtime on hopper.jpg, a nucleus double holding the same `agent` configuration, and a follower subscribed to it. */
async function rig(t: Test, options: Partial<GreengrassConfigOptions> = {}): Promise<Rig> {
  // mkdtemp, not t.testdir(): tap's own cleanup may run before the runtime closed its outbox.
  const dir = mkdtempSync(join(tmpdir(), 'gg-config-'));
  const nucleus = await startNucleusDouble(join(dir, 'ipc.socket'), TOKEN);
  nucleus.configuration = { agent: agentDoc(dir) };
  const rt = await AgentRuntime.start(loadConfig({ document: { values: agentDoc(dir), label: 'test' }, env: {} }), { logger: silentLogger(), executableSearchPath: '' });
  const r = { dir, nucleus, rt, publisherConnected: true } as Rig;
  r.follower = await followGreengrassConfiguration({
    runtime: rt,
    socketPath: nucleus.socketPath,
    authToken: TOKEN,
    loadFrom,
    logger: silentLogger(),
    isDraining: () => r.publisherConnected && rt.outbox.status().pendingRows > 0,
    settleMs: 20,
    ...options,
  });
  t.teardown(async () => {
    await r.follower.stop();
    await rt.stop();
    await nucleus.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await until(t, 'three subscriptions', () => {
    const s = nucleus.subscriptions();
    return s.configuration === 1 && s.validate === 1 && s.componentUpdates === 1;
  });
  await until(t, 'results from the start-up configuration', () => rt.status().resultsKept >= 3);
  await r.follower.settled();
  return r;
}

t.test('a valid deployment is accepted and changes a threshold live', async (t) => {
  const { dir, nucleus, rt, follower } = await rig(t);
  t.same(nucleus.configurationReads, [['agent']], 'read `agent` once at start to catch up');
  t.equal(follower.counts().applied, 0, 'the same configuration as at start is not applied again');
  t.same(newest(rt)?.detections.map((d) => d.label), ['person'], 'at threshold 0.5 the person is reported');
  const loop = rt.cameras[0];

  const next = agentDoc(dir, { id: 'person-yolox-192', threshold: 0.95 });
  const report = await nucleus.validateConfiguration('deployment-1', { agent: next, accessControl: {} });
  t.same(report, { status: 'ACCEPTED', deploymentId: 'deployment-1', message: undefined });
  nucleus.updateConfiguration(['agent'], next);
  await until(t, 'the update applied', () => follower.counts().applied === 1);
  t.equal(rt.config.cameras[0]?.models[0]?.threshold, 0.95, 'the runtime runs the new threshold');
  t.equal(rt.cameras[0], loop, 'in place: the camera loop was not restarted');
  t.same(follower.lastApplied()?.needsRestart, []);
  const kept = rt.status().resultsKept;
  await until(t, 'results after the change', () => rt.status().resultsKept >= kept + 3);
  t.same(newest(rt)?.detections, [], 'at 0.95 the 0.94 person is no longer reported');
  t.match(follower.counts(), { applied: 1, accepted: 1, rejected: 0, deferred: 0 });
});

t.test('an invalid deployment is REJECTED with the loader message; applied anyway, it is refused and the old one keeps running', async (t) => {
  const { dir, nucleus, rt, follower } = await rig(t);
  const bad = agentDoc(dir, { id: 'person-yolox-192', threshold: 7 });
  const report = await nucleus.validateConfiguration('deployment-bad', { agent: bad });
  t.equal(report?.status, 'REJECTED');
  t.match(report?.message, /threshold/, `the message names the key: ${report?.message}`);
  t.match(report?.message, /7/, 'and the value that came');

  const notAMapping = await nucleus.validateConfiguration('deployment-list', { agent: ['x'] });
  t.match(notAMapping, { status: 'REJECTED', message: /Expected a mapping .* `agent` but received a list/ });

  // The nucleus proceeds without a report when validation times out; the update must still be refused.
  nucleus.updateConfiguration(['agent'], bad);
  await until(t, 'the update refused', () => follower.counts().rejected === 3);
  t.equal(follower.counts().applied, 0);
  t.equal(rt.config.cameras[0]?.models[0]?.threshold, 0.5, 'the old configuration is still in force');
  const kept = rt.status().resultsKept;
  await until(t, 'results keep flowing', () => rt.status().resultsKept >= kept + 3);
  t.same(newest(rt)?.detections.map((d) => d.label), ['person'], 'still reported at the old threshold');
});

t.test('a model change switches only once the new model loaded; a model that cannot load is refused', async (t) => {
  const { dir, nucleus, rt, follower } = await rig(t);
  nucleus.updateConfiguration(['agent', 'cameras'], agentDoc(dir, { id: 'no-such-model' }).cameras);
  await until(t, 'the unknown model refused', () => follower.counts().rejected === 1);
  t.same(rt.runners.ids(), ['person-yolox-192'], 'only the old model is loaded');
  t.equal(rt.config.cameras[0]?.models[0]?.id, 'person-yolox-192');
  const before = rt.status().resultsKept;
  await until(t, 'the old model keeps producing', () => rt.status().resultsKept >= before + 3);
  t.equal(newest(rt)?.model.id, 'person-yolox-192');

  // A per-key event (as the nucleus sends for each changed key) under `agent` reloads all of it.
  nucleus.updateConfiguration(['agent', 'cameras'], agentDoc(dir, { id: 'face-yunet-2023mar', threshold: 0.6 }).cameras);
  await until(t, 'the model change applied', () => follower.counts().applied === 1);
  t.same(follower.lastApplied()?.modelsLoaded, ['face-yunet-2023mar'], 'the new model was loaded first');
  t.same(follower.lastApplied()?.modelsUnloaded, ['person-yolox-192'], 'then the old one unloaded');
  t.same(rt.runners.ids(), ['face-yunet-2023mar']);
  const kept = rt.status().resultsKept;
  await until(t, 'results after the switch', () => rt.status().resultsKept >= kept + 3);
  t.equal(newest(rt)?.model.id, 'face-yunet-2023mar', 'new results come from the new model');
});

t.test('a component update is deferred while the outbox drains, a bounded number of times', async (t) => {
  const r = await rig(t, { deferRecheckMs: 50, maxDeferrals: 2 });
  const { nucleus, rt, follower } = r;
  t.ok(rt.outbox.status().pendingRows > 0, 'results are pending (nothing publishes in this test)');

  r.publisherConnected = false;
  t.same(await nucleus.announceComponentUpdate('deployment-offline'), { deploymentId: 'deployment-offline', message: undefined, recheckAfterMs: 0 }, 'offline: nothing drains, so no reason to wait');

  r.publisherConnected = true;
  const first = await nucleus.announceComponentUpdate('deployment-2');
  t.match(first, { deploymentId: 'deployment-2', recheckAfterMs: 50, message: /draining/ });
  t.match(await nucleus.announceComponentUpdate('deployment-2'), { recheckAfterMs: 50 }, 'asked again after recheckAfterMs: deferred again');
  t.match(await nucleus.announceComponentUpdate('deployment-2'), { recheckAfterMs: 0 }, 'the bound reached: the update goes ahead');
  t.equal(follower.counts().deferred, 2);
  nucleus.announceComponentUpdated('deployment-2');
  t.match(await nucleus.announceComponentUpdate('deployment-3'), { recheckAfterMs: 50 }, 'a new deployment gets its own deferrals');
});

t.test('after the nucleus comes back, the follower reconnects and catches up with what changed', async (t) => {
  const { dir, nucleus, rt, follower } = await rig(t);
  await nucleus.stop();
  nucleus.configuration = { agent: agentDoc(dir, { id: 'person-yolox-192', threshold: 0.95 }) };
  await nucleus.start();
  await until(t, 'the change applied after reconnecting', () => follower.counts().applied === 1);
  t.equal(rt.config.cameras[0]?.models[0]?.threshold, 0.95);
  t.equal(nucleus.subscriptions().configuration, 1, 'subscribed again');
});
