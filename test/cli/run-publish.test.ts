import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSubscriber } from '../../agent/publish/subscriber/subscriber.js';
import { repoRoot, sharedImage, sharedModels } from '../helpers/shared.js';
import { createBroker } from '../publish/helpers/mosquitto.js';

/** Starts `edge-agent run ...args`; resolves with the child and its health port once it listens. */
async function startAgent(t: Test, args: string[]): Promise<{ child: ChildProcess; base: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/edge-agent.js'), 'run', '--no-status', '--health-port', '0', '--log-level', 'info', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${stderr}`)), 60_000);
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"port":(\d+),"msg":"health endpoint listening"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', () => reject(new Error(`agent exited:\n${stderr}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, stderr: () => stderr };
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exit;
}

function imagesDir(root: string): string {
  const dir = join(root, 'images');
  mkdirSync(dir, { recursive: true });
  for (const n of ['hopper.jpg', 'coffee.png', 'astronaut.png']) copyFileSync(sharedImage(n), join(dir, n));
  return dir;
}

t.test('the demo without a broker starts its own, and its subscriber receives the results', async (t) => {
  const root = t.testdir();
  const agent = await startAgent(t, ['--data-dir', join(root, 'data'), '--demo-images', imagesDir(root)]);
  t.match(agent.stderr(), /demo: embedded MQTT broker and subscriber started/);
  const end = Date.now() + 30_000;
  while ((await metric(agent.base, 'edge_agent_results_published_total')) < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  t.ok((await metric(agent.base, 'edge_agent_results_published_total')) >= 5, 'results were published to the embedded broker');
  t.equal(await stop(agent.child), 0);
});

t.test('run --broker publishes to a real Mosquitto; a subscriber sees every seq once and in order', async (t) => {
  const root = t.testdir();
  mkdirSync(join(root, 'broker'));
  const broker = await createBroker({ dir: join(root, 'broker') });
  await broker.start();
  t.teardown(() => broker.kill());
  const sub = await startSubscriber({ url: broker.url, topics: ['edge-agent/#'] });
  t.teardown(() => sub.close());
  const config = join(root, 'agent.yaml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(config, `deviceId: kiosk-9\nmodels: { mirror: ${sharedModels} }\ncameras:\n  - name: door\n    source: { type: files, path: ${imagesDir(root)}, fps: 10, loop: true }\n    targetFps: 10\n    models: [{ id: person-yolox-192, threshold: 0.5 }]\n`);
  const agent = await startAgent(t, ['--config', config, '--data-dir', join(root, 'data'), '--broker', broker.url]);
  const end = Date.now() + 30_000;
  const received = () => sub.checker.report().devices.find((d) => d.deviceId === 'kiosk-9')?.uniqueResults ?? 0;
  while (received() < 10 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  t.equal(await stop(agent.child), 0, 'SIGTERM exits 0');
  await new Promise((r) => setTimeout(r, 300));
  const report = sub.checker.report();
  const device = report.devices.find((d) => d.deviceId === 'kiosk-9');
  t.ok((device?.uniqueResults ?? 0) >= 10, `results arrived (${device?.uniqueResults})`);
  t.equal(device?.gaps.length ?? -1, 0, 'no gaps');
  t.equal(device?.reordered ?? -1, 0, 'in order');
  t.equal(report.invalid, 0, 'every message valid against the schema');
});
