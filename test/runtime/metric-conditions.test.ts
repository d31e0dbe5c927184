import t from 'tap';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { sharedImage, sharedModels } from '../helpers/shared.js';

// Metrics no other test drives, each by its real condition in the real runtime: an execution
// provider this machine cannot load (CUDA without a GPU), a camera showing the same picture (the
// change gate skips it), and results piling up with nowhere to publish (the outbox gauges).

async function sample(rt: AgentRuntime, name: string, labels = ''): Promise<number | undefined> {
  const text = await rt.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(labels === '' ? `${name} ` : `${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('provider fallback, change-gate skips and outbox gauges come from what happened', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-mc-'));
  const started: { rt?: AgentRuntime } = {};
  t.teardown(async () => {
    await started.rt?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // The same picture again and again: every frame after the first barely differs.
  mkdirSync(join(dir, 'same'));
  for (const n of ['1', '2', '3']) copyFileSync(sharedImage('hopper.jpg'), join(dir, 'same', `${n}.jpg`));
  const values = {
    deviceId: 'mc',
    dataDir: join(dir, 'data'),
    models: { mirror: sharedModels },
    health: { enabled: false },
    inference: { executionProviders: ['cuda', 'cpu'], intraOpThreads: 1 },
    cameras: [{
      name: 'still', source: { type: 'files', path: join(dir, 'same'), fps: 10, loop: true }, targetFps: 10,
      changeGate: { enabled: true, threshold: 0.02 },
      models: [{ id: 'person-yolox-192', threshold: 0.5, report: { policy: 'every' } }],
    }],
  };
  const runtime = (started.rt = await AgentRuntime.start(loadConfig({ document: { values, label: 'test' }, env: {} }), { logger: silentLogger(), executableSearchPath: '' }));

  const provider = runtime.runners.get('person-yolox-192').session.provider;
  if (provider === 'cpu') {
    t.equal(await sample(runtime, 'edge_agent_execution_provider_fallbacks_total', 'model="person-yolox-192",provider="cuda"'), 1, 'CUDA failed to load and was counted once');
  } else t.comment(`CUDA loaded on this machine (${provider}); no fallback to count`);

  await until(async () => ((await sample(runtime, 'edge_agent_frames_skipped_total', 'camera="still"')) ?? 0) >= 3, 'three skipped frames');
  t.ok(runtime.cameras[0]!.stats().framesSkipped >= 3, 'the loop counted the same skips');

  // The gauges refresh on the runtime's own timer (every 5 s); nothing publishes, so rows stay.
  await until(async () => ((await sample(runtime, 'edge_agent_outbox_pending_rows')) ?? 0) >= 1, 'pending rows in the gauge');
  const status = runtime.outbox.status();
  t.ok(status.pendingRows >= 1, `the outbox holds ${status.pendingRows} rows`);
  t.ok(((await sample(runtime, 'edge_agent_outbox_pending_bytes')) ?? 0) > 0, 'pending bytes above 0');
  const ageSeconds = await sample(runtime, 'edge_agent_outbox_oldest_pending_age_seconds');
  t.ok(ageSeconds !== undefined && ageSeconds <= (status.oldestPendingAgeMs ?? 0) / 1000, `oldest age ${ageSeconds} s, in seconds, not above the outbox's age now`);
  t.equal(await sample(runtime, 'edge_agent_outbox_dead_rows'), 0, 'no dead letters');
});
