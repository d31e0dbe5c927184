/**
 * A camera missing at start: two cameras, one replaying the shared images, the other pointed at a
 * folder that does not exist yet. Targets: the agent starts, the present camera delivers, and the
 * missing one delivers after its folder appears (20 s after the first results).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedImage, sharedImages } from '../helpers/shared.js';
import { startAgent, writeAgentConfig } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { workdir } from './helpers/workdir.js';

runScenario('camera-missing', 4 * 60_000, async (s) => {
  const dir = workdir(s, 'camera-missing');
  const broker = await createFaultBroker(dir);
  await broker.start();
  s.cleanup(() => broker.stop());
  const checking = await startChecking(broker.url);
  s.cleanup(() => checking.close());
  const lateDir = join(dir, 'late-images');
  const config = writeAgentConfig(dir, {
    deviceId: 'fault-camera-missing',
    dataDir: join(dir, 'data'),
    modelsDir: join(dir, 'models'),
    brokerUrl: broker.url,
    cameras: [
      { name: 'present', path: sharedImages, fps: 5 },
      { name: 'late', path: lateDir, fps: 5 },
    ],
  });
  let agent;
  try {
    agent = await startAgent(config);
  } catch (err) {
    s.check('the agent starts with one camera missing', false, (err as Error).message.split('\n').slice(0, 8).join(' | ').slice(0, 600));
    return;
  }
  const started = agent;
  s.cleanup(() => started.kill());
  s.check('the agent starts with one camera missing', true);
  const presentDelivers = await waitFor(() => (checking.summary().perCamera['present'] ?? 0) >= 10, 60_000);
  s.check('the present camera delivers', presentDelivers, `${checking.summary().perCamera['present'] ?? 0} results`);
  await sleep(20_000);
  s.figure('lateBeforeAppearing', checking.summary().perCamera['late'] ?? 0);
  mkdirSync(lateDir);
  for (const name of ['hopper.jpg', 'rocket.jpg']) copyFileSync(sharedImage(name), join(lateDir, name));
  const appeared = Date.now();
  const lateDelivers = await waitFor(() => (checking.summary().perCamera['late'] ?? 0) >= 5, 120_000);
  s.figure('secondsUntilLateDelivers', lateDelivers ? Math.round((Date.now() - appeared) / 1000) : -1);
  s.check('the missing camera is picked up when it appears', lateDelivers, `${checking.summary().perCamera['late'] ?? 0} results from it`);
  s.check('alive', started.alive());
  const exit = await started.stop();
  const d = checking.summary();
  s.figure('present', d.perCamera['present'] ?? 0);
  s.figure('late', d.perCamera['late'] ?? 0);
  s.figure('invalid', d.invalid);
  s.check('every message valid', d.invalid === 0, `${d.invalid} invalid`);
  s.check('SIGTERM exits 0', exit === 0, `exit ${exit}`);
});
