import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { repoRoot } from '../helpers/shared.js';
import { createBroker } from './helpers/mosquitto.js';
import { makeRecord } from './helpers/results.js';
import type { DeliveryReport } from '../../agent/publish/subscriber/delivery-checker.js';

t.test('edge-agent subscribe validates, drops duplicates, reports gaps and exits 1', async (t) => {
  const dir = t.testdir({});
  const broker = await createBroker({ dir });
  await broker.start();
  t.teardown(() => broker.kill('SIGKILL'));
  const ndjson = join(dir, 'out.ndjson');
  const child = spawn(process.execPath, ['--import', 'tsx', 'agent/cli/main.ts', 'subscribe', '--broker', broker.url, '--topic', 'edge-agent/#', '--ndjson', ndjson, '--count', '3', '--seconds', '60'], { cwd: repoRoot });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const subscribed = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('subscribed to')) resolve();
    });
  });
  await subscribed;
  const client = await mqtt.connectAsync(broker.url);
  const topic = 'edge-agent/test-device/results/person';
  const one = JSON.stringify({ ...makeRecord(1), seq: 1 });
  for (const payload of [one, one, '{"schemaVersion":1}', JSON.stringify({ ...makeRecord(2), seq: 2 }), JSON.stringify({ ...makeRecord(4), seq: 4 })]) {
    await client.publishAsync(topic, payload, { qos: 1 });
  }
  await client.endAsync();
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  t.equal(code, 1, 'exit 1: an invalid message and a missing seq');
  const report = JSON.parse(stdout) as DeliveryReport;
  t.equal(report.invalid, 1);
  t.equal(report.devices[0]?.uniqueResults, 3);
  t.equal(report.devices[0]?.duplicates, 1);
  t.same(report.devices[0]?.gaps, [{ from: 3, to: 3 }]);
  t.match(stderr, /1 duplicate\(s\)/);
  t.match(stderr, /missing seq 3/);
  const lines = readFileSync(ndjson, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: { seq: number } });
  t.same(lines.map((l) => l.message.seq), [1, 2, 4], 'distinct messages only');
});
