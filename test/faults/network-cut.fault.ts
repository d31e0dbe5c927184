/**
 * Network cut: the agent runs inside a network namespace the test made and reaches the broker
 * over a veth pair (10.200.X.2 -> 10.200.X.1); the checking subscriber is on the broker's
 * loopback, outside the cut. 30 s of 100% packet loss both ways (netem, or blackhole routes where
 * the kernel has no netem), then 5 cycles of the
 * link down 5 s / up 8 s. Target: every result delivered, no gap.
 */
import { join } from 'node:path';
import { metric, startAgent, writeAgentConfig } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { createNamespace, cutMethod, setLink, setLoss } from './helpers/netns.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { workdir } from './helpers/workdir.js';

runScenario('network-cut', 6 * 60_000, async (s) => {
  const dir = workdir(s, 'network-cut');
  const ns = createNamespace(s, 'cut');
  const broker = await createFaultBroker(dir, [ns.rootAddress]);
  await broker.start();
  s.cleanup(() => broker.stop());
  const checking = await startChecking(broker.url);
  s.cleanup(() => checking.close());
  const config = writeAgentConfig(dir, {
    deviceId: 'fault-network-cut',
    dataDir: join(dir, 'data'),
    modelsDir: join(dir, 'models'),
    brokerUrl: `mqtt://${ns.rootAddress}:${broker.port}`,
    healthHost: ns.nsAddress,
    publishExtra: ['keepaliveSeconds: 10'],
  });
  const agent = await startAgent(config, ns.exec);
  s.cleanup(() => agent.kill());
  s.check('results flow before the cut', await waitFor(() => checking.summary().unique >= 20, 60_000), `${checking.summary().unique} received, ${checking.summary().invalid} invalid`);

  const method = cutMethod(ns);
  s.figure('cutMethod', method);
  s.note(`every packet dropped for 30 s (${method})`);
  setLoss(ns, true, method);
  await sleep(30_000);
  setLoss(ns, false, method);
  for (let cycle = 1; cycle <= 5; cycle++) {
    await sleep(8_000);
    s.note(`link down, cycle ${cycle}`);
    setLink(ns, false);
    await sleep(5_000);
    setLink(ns, true);
  }
  const kept = await metric(agent.base, 'edge_agent_results_kept_total');
  const caughtUp = await waitFor(() => checking.summary().unique >= kept, 180_000, 500);
  const exit = await agent.stop();
  await sleep(1000);
  const d = checking.summary();
  s.figure('results', d.unique);
  s.figure('kept', kept);
  s.figure('duplicates', d.duplicates);
  s.figure('lost', d.lost);
  s.figure('reordered', d.reordered);
  s.figure('invalid', d.invalid);
  s.figure('agentConnections', broker.connectionsOf('fault-network-cut'));
  s.check('everything kept was delivered after the cuts', caughtUp, `${d.unique} of ${kept}`);
  s.check('no gap', d.lost === 0 && d.firstSeq === 1, `lost ${d.lost}, first seq ${d.firstSeq} ${d.gapSample}`);
  s.check('every message valid', d.invalid === 0, `${d.invalid} invalid`);
  s.check('SIGTERM exits 0', exit === 0, `exit ${exit}`);
});
