/**
 * Broker down, then up: the broker is stopped for 60 s while the agent keeps producing results,
 * then started again. Targets: every result delivered, in order, no gap; at most 12 connection
 * attempts over the outage (the agent's EDGE_PUBLISH_CONNECT_FAILED errors in /metrics plus the connections Mosquitto
 * accepted from it); at most 50 KB of agent log from the outage to the catch-up.
 */
import { join } from 'node:path';
import { metric, startAgent, writeAgentConfig } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { workdir } from './helpers/workdir.js';

const DOWN_MS = 60_000;
const MAX_ATTEMPTS = 12;
const MAX_LOG_BYTES = 50 * 1024;
const DEVICE = 'fault-broker-down';
/** Failed connection attempts are counted as errors with this code (docs/errors.md). */
const FAILED = 'code="EDGE_PUBLISH_CONNECT_FAILED"';

runScenario('broker-down', 5 * 60_000, async (s) => {
  const dir = workdir(s, 'broker-down');
  const broker = await createFaultBroker(dir);
  await broker.start();
  s.cleanup(() => broker.stop());
  const checking = await startChecking(broker.url);
  s.cleanup(() => checking.close());
  const config = writeAgentConfig(dir, { deviceId: DEVICE, dataDir: join(dir, 'data'), modelsDir: join(dir, 'models'), brokerUrl: broker.url });
  const agent = await startAgent(config);
  s.cleanup(() => agent.kill());

  s.check('results flow before the outage', await waitFor(() => checking.summary().unique >= 20, 60_000), `${checking.summary().unique} received, ${checking.summary().invalid} invalid`);
  await broker.stop();
  const logAtDown = agent.logBytes();
  const failedBefore = await metric(agent.base, 'edge_agent_errors_total', FAILED);
  const connectionsBefore = broker.connectionsOf(DEVICE);
  s.note(`broker stopped for ${DOWN_MS / 1000} s`);
  await sleep(DOWN_MS);
  const keptDuringOutage = await metric(agent.base, 'edge_agent_results_kept_total');
  await broker.start();
  s.note('broker started again');

  const kept = await metric(agent.base, 'edge_agent_results_kept_total');
  const caughtUp = await waitFor(() => checking.summary().unique >= kept, 180_000, 500);
  const failedConnects = (await metric(agent.base, 'edge_agent_errors_total', FAILED)) - failedBefore;
  const attempts = failedConnects + broker.connectionsOf(DEVICE) - connectionsBefore;
  const logBytes = agent.logBytes() - logAtDown;
  const exit = await agent.stop();
  await sleep(1000);
  const d = checking.summary();

  s.figure('results', d.unique);
  s.figure('keptBeforeOutageEnd', keptDuringOutage);
  s.figure('connectAttempts', attempts);
  s.figure('logBytes', logBytes);
  s.figure('duplicates', d.duplicates);
  s.figure('lost', d.lost);
  s.figure('reordered', d.reordered);
  s.check('the backlog was delivered after the broker came back', caughtUp, `${d.unique} of ${kept} kept`);
  s.check('no gap', d.lost === 0 && d.firstSeq === 1, `lost ${d.lost}, first seq ${d.firstSeq} ${d.gapSample}`);
  s.check('in order', d.reordered === 0, `${d.reordered} reordered`);
  s.check('every message valid', d.invalid === 0, `${d.invalid} invalid`);
  s.check(`at most ${MAX_ATTEMPTS} connection attempts over the outage`, attempts <= MAX_ATTEMPTS, `${attempts} (${failedConnects} failed)`);
  s.check(`at most ${MAX_LOG_BYTES} bytes of agent log from the outage to the catch-up`, logBytes <= MAX_LOG_BYTES, `${logBytes} bytes`);
  s.check('SIGTERM exits 0', exit === 0, `exit ${exit}`);
});
