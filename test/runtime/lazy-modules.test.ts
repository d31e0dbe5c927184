import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/shared.js';

// `edge-agent run` with publish.transport none must not pay for transports it does not use:
// mqtt.js, the AWS SDK (with its native aws-crt) and the quantizer's onnx-proto made loading the
// command tree 98 MB instead of 78 MB (docs/benchmarks.md). They are CommonJS packages, so a
// fresh process that loaded the command tree shows in require.cache whether they came along.
const lazy = ['mqtt', 'aws-iot-device-sdk-v2', 'aws-crt', 'onnx-proto', 'protobufjs'];

function packagesLoadedBy(script: string): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[];
}

const report = `
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
const names = Object.keys(cache).filter((k) => k.includes('/node_modules/')).map((k) => {
  const rest = k.split('/node_modules/').pop().split('/');
  return rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0];
});
console.log(JSON.stringify([...new Set(names)]));`;

t.test('loading the command tree leaves the transports and the quantizer unloaded', async (t) => {
  const program = pathToFileURL(join(repoRoot, 'agent', 'cli', 'program.ts')).href;
  const loaded = packagesLoadedBy(`await import(${JSON.stringify(program)});${report}`);
  t.ok(loaded.includes('commander'), 'the probe sees CommonJS packages the command tree does load');
  for (const name of lazy) t.notOk(loaded.includes(name), `${name} is not loaded`);
});

t.test('the mqtt transport still loads mqtt.js when chosen', async (t) => {
  const publishing = pathToFileURL(join(repoRoot, 'agent', 'runtime', 'publishing.ts')).href;
  const logger = pathToFileURL(join(repoRoot, 'agent', 'log', 'logger.ts')).href;
  const script = `
const { createPublisher } = await import(${JSON.stringify(publishing)});
const { silentLogger } = await import(${JSON.stringify(logger)});
const settings = { transport: 'mqtt', brokerUrl: 'mqtt://127.0.0.1:1', clientId: 'd', thingName: 'd', deviceId: 'd', keepaliveSeconds: 30, mqttVersion: '5', tls: {}, statusTopic: 'edge-agent/d/status', batch: { maxResults: 1, maxBytes: 131072 } };
const publisher = await createPublisher(settings, {}, silentLogger());
if (publisher?.transport !== 'mqtt') throw new Error('expected an mqtt publisher, got ' + publisher?.transport);
${report}`;
  const loaded = packagesLoadedBy(script);
  t.ok(loaded.includes('mqtt'), 'mqtt loaded on demand');
  t.notOk(loaded.includes('aws-iot-device-sdk-v2'), 'the AWS SDK stays unloaded');
});
