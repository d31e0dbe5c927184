import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { startWatchdog } from '../../agent/health/watchdog.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { sharedImages, sharedModels } from '../helpers/shared.js';

// Stuck inferences for real: the real runtime, the real person model and real images, with
// inference.timeoutMs at 1 ms, so every inference of the model has no result in time and is
// treated as stuck. After inference.maxRebuilds rebuilds the model is given up: /readyz names it,
// no further session is built, and the watchdog stops pinging.

const model = 'person-yolox-192';
const doc = (dir: string, maxRebuilds: number, health = false) => ({
  deviceId: 'stuck',
  dataDir: dir,
  models: { mirror: sharedModels },
  health: { enabled: health, host: '127.0.0.1', port: 0 },
  inference: { timeoutMs: 1, maxRebuilds, rebuildWindowSeconds: 3600, intraOpThreads: 1 },
  cameras: [{ name: 'lobby', source: { type: 'files', path: sharedImages, fps: 10, loop: true }, targetFps: 10, models: [{ id: model, threshold: 0.5 }] }],
});

async function counter(rt: AgentRuntime, name: string, labels: string): Promise<number> {
  const text = await rt.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function tempDir(t: Test, rt: () => AgentRuntime | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-stuck-'));
  t.teardown(async () => {
    await rt()?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

t.test('after maxRebuilds stuck-inference rebuilds the model is given up, /readyz names it, and the watchdog stops pinging', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  const pings: number[] = [];
  const statuses: string[] = [];
  const asked: string[] = [];
  // Watched, as under systemd with WatchdogSec: a needed restart stops the pings and asks nothing else.
  const watchdog = startWatchdog({
    notifier: { watchdog: () => pings.push(statuses.length), status: (s) => statuses.push(s) },
    intervalMs: 20,
    watched: true,
    restartNeeded: () => started.rt?.readiness.restartNeeded(),
    status: () => 'running',
    onRestartNeeded: (reason) => asked.push(reason),
    logger: silentLogger(),
  });
  t.teardown(() => watchdog.stop());
  watchdog.tick();
  t.ok(pings.length >= 1, 'pinged while no restart is needed');

  const rt = (started.rt = await AgentRuntime.start(loadConfig({ document: { values: doc(dir, 3, true), label: 'test' }, env: {} }), { logger: silentLogger(), executableSearchPath: '' }));
  await until(() => rt.readiness.restartNeeded() !== undefined, 'the model to be given up');

  const res = await fetch(`${rt.health!.url}/readyz`);
  t.equal(res.status, 503, '/readyz answers 503');
  const answer = (await res.json()) as { ready: boolean; reasons: string[] };
  t.equal(answer.ready, false);
  t.match(answer.reasons[0], /^model person-yolox-192 failed and the agent needs a restart: its session was rebuilt 3 times within 3600 s/, 'the model and the reason are named');
  t.equal(await counter(rt, 'edge_agent_session_rebuilds_total', `model="${model}"`), 3, 'three rebuilds counted');

  // More stuck inferences come (counted as errors), but no further session is built.
  const stuckBefore = await counter(rt, 'edge_agent_errors_total', 'code="EDGE_PIPELINE_INFERENCE_STUCK"');
  await until(async () => (await counter(rt, 'edge_agent_errors_total', 'code="EDGE_PIPELINE_INFERENCE_STUCK"')) >= stuckBefore + 3, 'three more stuck inferences');
  t.equal(await counter(rt, 'edge_agent_session_rebuilds_total', `model="${model}"`), 3, 'still three rebuilds: the model is not rebuilt again');

  // The watchdog rounds go on (status lines) but WATCHDOG=1 is not sent again.
  await until(() => statuses.some((s) => s.startsWith('restart needed: model person-yolox-192')), 'the watchdog to see the restart');
  const pingsAtGiveUp = pings.length;
  const roundsAtGiveUp = statuses.length;
  await until(() => statuses.length >= roundsAtGiveUp + 5, 'five more watchdog rounds');
  t.equal(pings.length, pingsAtGiveUp, 'no WATCHDOG=1 after the model was given up');
  t.equal(watchdog.restartReason, rt.readiness.restartNeeded(), 'the watchdog keeps the reason');
  t.same(asked, [], 'watched: the process is left for systemd to restart, not stopped');
});

t.test('an unwatched watchdog asks once for the restart (the Greengrass path), with the model named', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  const asked: string[] = [];
  let pinged = 0;
  const watchdog = startWatchdog({
    notifier: { watchdog: () => pinged++, status: () => undefined },
    intervalMs: 20,
    watched: false,
    restartNeeded: () => started.rt?.readiness.restartNeeded(),
    status: () => 'running',
    onRestartNeeded: (reason) => asked.push(reason),
    logger: silentLogger(),
  });
  t.teardown(() => watchdog.stop());
  const rt = (started.rt = await AgentRuntime.start(loadConfig({ document: { values: doc(dir, 1), label: 'test' }, env: {} }), { logger: silentLogger(), executableSearchPath: '' }));
  await until(() => asked.length > 0, 'the restart to be asked for');
  const pingsThen = pinged;
  const stuckThen = await counter(rt, 'edge_agent_errors_total', 'code="EDGE_PIPELINE_INFERENCE_STUCK"');
  await until(async () => (await counter(rt, 'edge_agent_errors_total', 'code="EDGE_PIPELINE_INFERENCE_STUCK"')) >= stuckThen + 2, 'more stuck inferences');
  watchdog.tick();
  t.equal(asked.length, 1, 'asked once');
  t.match(asked[0], /^model person-yolox-192 failed and the agent needs a restart: its session was rebuilt 1 time within/);
  t.equal(pinged, pingsThen, 'no ping after');
  t.equal(await counter(rt, 'edge_agent_session_rebuilds_total', `model="${model}"`), 1, 'maxRebuilds 1: one rebuild, then given up');
});
