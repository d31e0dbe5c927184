import t, { type Test } from 'tap';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { configureFakes, fakePath, waitFor, writeJpegs } from '../capture/helpers.js';
import { sharedImage, sharedImages, sharedModels } from '../helpers/shared.js';

// Cameras fail alone: these run the real runtime (real model, real outbox, real processes) with
// one camera that dies, one that is not there yet, or one that can never run.

const model = [{ id: 'person-yolox-192', threshold: 0.5 }];
const lobby = { name: 'lobby', source: { type: 'files', path: sharedImages, fps: 10, loop: true }, targetFps: 10, models: model };
const quickRetry = { restartBackoffInitialMs: 50, restartBackoffMaxMs: 200 };

const doc = (dir: string, cameras: Record<string, unknown>[]) => ({
  deviceId: 'cams',
  dataDir: dir,
  models: { mirror: sharedModels },
  health: { enabled: false },
  cameras,
});
const load = (d: Record<string, unknown>) => loadConfig({ document: { values: d, label: 'test' }, env: {} });

/** A temp dir removed after the runtime stopped (t.testdir's cleanup may race the outbox). */
function tempDir(t: Test, rt: () => AgentRuntime | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-cams-'));
  t.teardown(async () => {
    await rt()?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

async function counter(rt: AgentRuntime, name: string, labels: string): Promise<number> {
  const text = await rt.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  let ok = await check();
  const giveUpAt = Date.now() + 60_000;
  while (!ok) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
    ok = await check();
  }
}

t.test('a camera process that dies is restarted, and each restart is counted in edge_agent_camera_restarts_total', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  await writeJpegs(join(dir, 'frames'));
  // The fake rpicam-vid sends two frames and exits with "camera unplugged", every run.
  configureFakes(join(dir, 'frames'), join(dir, 'runs'), 'die-after:2');
  const front = { name: 'front', source: { type: 'rpicam', mode: 'video', fps: 20, width: 64, height: 48, ...quickRetry }, models: model };
  const rt = (started.rt = await AgentRuntime.start(load(doc(dir, [front])), { logger: silentLogger(), executableSearchPath: fakePath }));
  await until(async () => (await counter(rt, 'edge_agent_camera_restarts_total', 'camera="front",reason="exited"')) >= 2, 'two counted restarts');
  t.ok(rt.cameras[0]!.sourceStats().restarts >= 2, 'the source counted them too');
  t.equal(await counter(rt, 'edge_agent_camera_restarts_total', 'camera="front",reason="stalled"'), 0, 'none counted as a stall');
  t.ok((await counter(rt, 'edge_agent_frames_captured_total', 'camera="front"')) >= 4, 'frames from more than one run');
});

t.test('a camera whose folder appears later is picked up, while another camera delivers all along', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  const dropDir = join(dir, 'drop');
  const drop = { name: 'drop', source: { type: 'files', path: dropDir, fps: 10, loop: true, ...quickRetry }, targetFps: 10, models: model };
  const rt = (started.rt = await AgentRuntime.start(load(doc(join(dir, 'data'), [lobby, drop])), { logger: silentLogger(), executableSearchPath: '' }));
  t.equal(rt.cameras.length, 2, 'the agent started with both cameras');
  await until(async () => (await counter(rt, 'edge_agent_camera_restarts_total', 'camera="drop",reason="failed-to-start"')) >= 2, 'two failed opens counted');
  await until(async () => (await counter(rt, 'edge_agent_frames_captured_total', 'camera="lobby"')) >= 3, 'lobby frames');
  t.ok(
    rt.readiness.check().reasons.some((r) => r.startsWith('camera drop is down and being retried: Expected image files') && r.includes(dropDir)),
    'readiness names the camera that is down and why',
  );
  t.notOk(rt.readiness.check().reasons.some((r) => r.includes('lobby')), 'the other camera is fine');

  mkdirSync(dropDir);
  copyFileSync(sharedImage('hopper.jpg'), join(dropDir, 'hopper.jpg'));
  await until(async () => (await counter(rt, 'edge_agent_frames_captured_total', 'camera="drop"')) >= 2, 'frames from the camera that appeared');
  await waitFor(() => !rt.readiness.check().reasons.some((r) => r.includes('camera drop')), 'drop to be up in readiness');
  const lobbyFrames = await counter(rt, 'edge_agent_frames_captured_total', 'camera="lobby"');
  await until(async () => (await counter(rt, 'edge_agent_frames_captured_total', 'camera="lobby"')) > lobbyFrames, 'lobby still delivering');
  await waitFor(() => rt.cameras.every((c) => c.stats().framesInferred > 0), 'both cameras inferred');
});

t.test('a camera that can never run (missing program) is given up alone; with no other camera the agent does not start', async (t) => {
  const started: { rt?: AgentRuntime } = {};
  const dir = tempDir(t, () => started.rt);
  const pi = { name: 'pi', source: { type: 'rpicam', binary: join(dir, 'no-such-rpicam-vid'), mode: 'video', ...quickRetry }, models: model };
  const rt = (started.rt = await AgentRuntime.start(load(doc(join(dir, 'a'), [lobby, pi])), { logger: silentLogger(), executableSearchPath: '' }));
  await until(async () => (await counter(rt, 'edge_agent_frames_captured_total', 'camera="lobby"')) >= 2, 'lobby frames');
  const reasons = rt.readiness.check().reasons;
  t.ok(reasons.some((r) => r.startsWith('camera pi failed and is not retried: ') && r.includes('no-such-rpicam-vid not found')), reasons.join('\n'));
  t.equal(await counter(rt, 'edge_agent_camera_restarts_total', 'camera="pi",reason="failed-to-start"'), 0, 'not retried');
  await rt.stop();

  await t.rejects(
    AgentRuntime.start(load(doc(join(dir, 'b'), [pi])), { logger: silentLogger(), executableSearchPath: '' }),
    { code: 'EDGE_CAPTURE_BINARY_NOT_FOUND', kind: 'environment' },
    'nothing can run: the error ends the agent (exit status 6 in the CLI)',
  );
});
