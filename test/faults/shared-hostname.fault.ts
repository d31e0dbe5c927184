/**
 * Shared hostname: two agents with no deviceId in their config, each in its own UTS and mount
 * namespace (`unshare -u -m`) with the host name `raspberrypi` and its own /etc/machine-id bind-
 * mounted over the real one, publish to one broker. Targets: distinct device ids and client ids
 * (Mosquitto never closes one for the other's sake), and both deliver.
 */
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startAgent, writeAgentConfig, type FaultAgent } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { workdir } from './helpers/workdir.js';

runScenario('shared-hostname', 4 * 60_000, async (s) => {
  const dir = workdir(s, 'shared-hostname');
  const broker = await createFaultBroker(dir);
  await broker.start();
  s.cleanup(() => broker.stop());
  const checking = await startChecking(broker.url);
  s.cleanup(() => checking.close());
  const agents: FaultAgent[] = [];
  for (const n of [1, 2]) {
    const machineId = join(dir, `machine-id-${n}`);
    writeFileSync(machineId, `${randomBytes(16).toString('hex')}\n`);
    const config = writeAgentConfig(dir, { dataDir: join(dir, `data-${n}`), modelsDir: join(dir, `models-${n}`), brokerUrl: broker.url });
    const wrapper = ['unshare', '-u', '-m', '--propagation', 'private', 'sh', '-c', `hostname raspberrypi && mount --bind ${machineId} /etc/machine-id && exec "$@"`, 'sh'];
    const agent = await startAgent(config, wrapper);
    s.cleanup(() => agent.kill());
    agents.push(agent);
  }
  const bothDeliver = await waitFor(() => {
    const r = checking.checker.report();
    return r.devices.length >= 2 && r.devices.every((d) => d.uniqueResults >= 10);
  }, 90_000);
  await sleep(5000);
  const clientIds = new Set([...broker.log().matchAll(/New client connected from \S+ as (\S+) /g)].map((m) => m[1]).filter((id) => id !== undefined && !id.startsWith('fault-checker-')));
  const takeovers = (broker.log().match(/already connected, closing old connection/g) ?? []).length;
  const exits = await Promise.all(agents.map((a) => a.stop()));
  const r = checking.checker.report();
  s.figure('deviceIds', r.devices.map((d) => d.deviceId).join(','));
  s.figure('clientIds', [...clientIds].join(','));
  s.figure('takeovers', takeovers);
  s.figure('results', r.devices.map((d) => d.uniqueResults).join(','));
  s.figure('invalid', r.invalid);
  s.check('two distinct device ids', r.devices.length === 2, `${r.devices.map((d) => d.deviceId).join(', ')}`);
  s.check('two distinct client ids, neither closed for the other', clientIds.size === 2 && takeovers === 0, `${clientIds.size} client ids, ${takeovers} take-overs`);
  s.check('both deliver', bothDeliver, r.devices.map((d) => `${d.deviceId}: ${d.uniqueResults}`).join(', '));
  s.check('every message valid', r.invalid === 0, `${r.invalid} invalid`);
  s.check('SIGTERM exits 0 for both', exits.every((e) => e === 0), exits.join(','));
});
