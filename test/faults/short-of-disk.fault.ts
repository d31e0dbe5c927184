/**
 * Short of disk: the data dir is a tmpfs with 7 MiB free and the configuration leaves every outbox
 * limit at its default; the broker is unreachable. Target: the outbox holds hundreds of results
 * (at least 300 pending) rather than dropping them for want of a reserve it cannot have.
 */
import { join } from 'node:path';
import { metric, startAgent, writeAgentConfig } from './helpers/agent.js';
import { freePort } from '../publish/helpers/mosquitto.js';
import { runScenario, waitFor } from './helpers/scenario.js';
import { freeBytes, mountTmpfs } from './helpers/tmpfs.js';
import { workdir } from './helpers/workdir.js';

const TARGET = 300;

runScenario('short-of-disk', 3 * 60_000, async (s) => {
  const dir = workdir(s, 'short-of-disk');
  const dataDir = mountTmpfs(s, 7 * 1024 * 1024);
  s.figure('freeBytesAtStart', freeBytes(dataDir));
  const config = writeAgentConfig(dir, { deviceId: 'fault-short-of-disk', dataDir, modelsDir: join(dir, 'models'), brokerUrl: `mqtt://127.0.0.1:${await freePort()}` });
  const agent = await startAgent(config);
  s.cleanup(() => agent.kill());
  await waitFor(async () => (await metric(agent.base, 'edge_agent_results_kept_total')) >= TARGET + 50, 120_000, 500);
  const kept = await metric(agent.base, 'edge_agent_results_kept_total');
  const pending = await metric(agent.base, 'edge_agent_outbox_pending_rows');
  const drops = await metric(agent.base, 'edge_agent_outbox_dropped_rows_total');
  s.figure('kept', kept);
  s.figure('pending', pending);
  s.figure('dropped', drops);
  s.figure('freeBytesAtEnd', freeBytes(dataDir));
  s.check(`the outbox holds at least ${TARGET} results with 7 MiB free`, pending >= TARGET, `${pending} pending of ${kept} kept, ${drops} dropped`);
  s.check('alive', agent.alive());
  const exit = await agent.stop();
  s.check('SIGTERM exits 0', exit === 0, `exit ${exit}`);
});
