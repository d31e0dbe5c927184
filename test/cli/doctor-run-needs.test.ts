import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDoctor, type DoctorOptions } from '../../agent/cli/doctor/doctor.js';
import { exitCodes } from '../../agent/errors/agent-error.js';
import { runCli } from '../helpers/run-cli.js';
import { sharedImages, sharedModels } from '../helpers/shared.js';
import { createBroker, freePort } from '../publish/helpers/mosquitto.js';

// doctor checks what `run` needs, in the folders `run` would use for the same configuration.

interface Report {
  problems: number;
  dataDir: string;
  modelDir: string;
  checks: { name: string; status: string; detail: string; fix?: string }[];
}

function siteConfig(dir: string, extra = ''): string {
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    [
      `dataDir: ${join(dir, 'state')}`,
      'cameras:',
      '  - name: lobby',
      `    source: { type: files, path: ${sharedImages} }`,
      '    models: [{ id: person-yolox-192 }]',
      extra,
    ].join('\n'),
  );
  return file;
}

// The real machine's camera tools and memory do not matter here: only the checks under test are read.
function options(dir: string, file: string): DoctorOptions {
  return {
    load: { file, env: {}, identityPaths: { serialNumber: [join(dir, 'serial')], machineId: [join(dir, 'machine-id')] } },
    searchPath: [],
    devDir: join(dir, 'dev'),
    greengrass: { socketPath: undefined, authToken: undefined, thingName: undefined },
    brokerTimeoutMs: 10_000,
  };
}

function check(report: { checks: Report['checks'] }, name: string): Report['checks'][number] | undefined {
  return report.checks.find((c) => c.name === name);
}

t.test('a configured model that is not pulled is a problem whose fix pulls into the folder run reads', async (t) => {
  const dir = t.testdir();
  const file = siteConfig(dir);
  const before = await runCli(['doctor', '--json', '--config', file]);
  t.equal(before.code, exitCodes.environment, `a problem found: the environment exit status; ${before.stderr}`);
  const report = JSON.parse(before.stdout) as Report;
  t.equal(report.dataDir, join(dir, 'state'), 'the configuration\'s dataDir, not the default one');
  t.equal(report.modelDir, join(dir, 'state', 'models'));
  const model = check(report, 'model person-yolox-192');
  t.equal(model?.status, 'problem');
  t.match(model?.detail, `not pulled: ${join(dir, 'state', 'models', 'person-yolox-192')}`);
  t.match(model?.fix, `edge-agent models pull person-yolox-192 --config ${file}`);

  // The fix, as printed (plus a mirror, since this machine has no network): models reads the same config.
  const pulled = await runCli(['models', 'pull', 'person-yolox-192', '--config', file, '--from', sharedModels]);
  t.equal(pulled.code, 0, pulled.stderr);
  t.match(pulled.stdout, `-> ${join(dir, 'state', 'models', 'person-yolox-192')}`);
  const listed = await runCli(['models', 'list', '--json', '--config', file]);
  t.match(JSON.parse(listed.stdout), [{ id: 'face-yunet-2023mar', state: 'missing' }, { id: 'person-yolox-192', state: 'ok' }]);

  const after = JSON.parse((await runCli(['doctor', '--json', '--config', file])).stdout) as Report;
  t.equal(check(after, 'model person-yolox-192')?.status, 'ok');
  t.match(check(after, 'model person-yolox-192')?.detail, /matches its manifest/);
});

t.test('EDGE_AGENT_CONFIG selects the configuration for models and doctor alike', async (t) => {
  const dir = t.testdir();
  const file = siteConfig(dir);
  const pulled = await runCli(['models', 'pull', 'person-yolox-192', '--from', sharedModels], { EDGE_AGENT_CONFIG: file });
  t.match(pulled.stdout, `-> ${join(dir, 'state', 'models', 'person-yolox-192')}`);
  const report = JSON.parse((await runCli(['doctor', '--json'], { EDGE_AGENT_CONFIG: file })).stdout) as Report;
  t.equal(check(report, 'model person-yolox-192')?.status, 'ok');
  t.match(check(report, 'config')?.detail, 'from EDGE_AGENT_CONFIG');
  // A flag still overrides the file: --data-dir moves the store, where the model is missing.
  const moved = JSON.parse((await runCli(['doctor', '--json', '--data-dir', join(dir, 'other')], { EDGE_AGENT_CONFIG: file })).stdout) as Report;
  t.equal(moved.modelDir, join(dir, 'other', 'models'));
  t.equal(check(moved, 'model person-yolox-192')?.status, 'problem');
  t.match(check(moved, 'model person-yolox-192')?.fix, `--data-dir ${join(dir, 'other')}`);
});

t.test('a broker port nobody listens on is a problem; a real Mosquitto is ok', async (t) => {
  const dir = t.testdir({ broker: {} });
  const closed = await freePort();
  const down = await runDoctor(options(dir, siteConfig(dir, `publish: { transport: mqtt, brokerUrl: "mqtt://user:secret@127.0.0.1:${closed}" }`)));
  const failed = check(down, 'broker');
  t.equal(failed?.status, 'problem');
  t.match(failed?.detail, `cannot open a TCP connection to 127.0.0.1:${closed}: ECONNREFUSED`);
  t.match(failed?.fix, /start the broker or correct publish\.brokerUrl in .*site\.yaml/);
  t.notMatch(JSON.stringify(down), /secret/, 'the URL\'s password appears nowhere in the report');

  const broker = await createBroker({ dir: join(dir, 'broker') });
  t.teardown(() => broker.kill());
  await broker.start();
  const up = await runDoctor(options(dir, siteConfig(dir, `publish: { transport: mqtt, brokerUrl: "${broker.url}" }`)));
  t.equal(check(up, 'broker')?.status, 'ok', broker.log());
  t.match(check(up, 'broker')?.detail, `127.0.0.1:${broker.port} accepts TCP connections`);
});

t.test('greengrass: the IPC socket must exist', async (t) => {
  const dir = t.testdir();
  const opts = options(dir, siteConfig(dir, 'publish: { transport: greengrass }'));
  const report = await runDoctor({ ...opts, greengrass: { socketPath: join(dir, 'ipc.socket'), authToken: 'x', thingName: undefined } });
  t.equal(check(report, 'broker')?.status, 'problem');
  t.match(check(report, 'broker')?.detail, /ipc\.socket does not exist or is not a socket/);
});

t.test('a data directory where no file can be created is a problem', async (t) => {
  const dir = t.testdir({ 'a-file': 'not a directory' });
  const file = join(dir, 'site.yaml');
  writeFileSync(file, `dataDir: ${join(dir, 'a-file', 'state')}\n`);
  const report = await runDoctor(options(dir, file));
  const data = check(report, 'data directory');
  t.equal(data?.status, 'problem');
  t.match(data?.detail, /cannot create a file in .*a-file: ENOTDIR/);
  t.match(data?.fix, /--data-dir or dataDir in .*site\.yaml/);
});

t.test('the device id: its origin, and a warning when only the host name made it', async (t) => {
  const dir = t.testdir({ 'machine-id': '0123456789abcdef0123456789abcdef\n', 'empty.yaml': '' });
  const opts = options(dir, join(dir, 'empty.yaml'));
  const fromMachine = await runDoctor({ ...opts, load: { ...opts.load, hostname: 'raspberrypi', identityPaths: { serialNumber: [], machineId: [join(dir, 'machine-id')] } } });
  t.equal(fromMachine.deviceId, 'raspberrypi-01234567');
  t.equal(fromMachine.deviceIdSource, 'machine-id');
  t.equal(check(fromMachine, 'device id')?.status, 'ok');
  const bare = await runDoctor({ ...opts, load: { ...opts.load, hostname: 'raspberrypi', identityPaths: { serialNumber: [], machineId: [] } } });
  t.equal(bare.deviceIdSource, 'hostname');
  t.equal(check(bare, 'device id')?.status, 'warn');
  t.match(check(bare, 'device id')?.fix, /set deviceId in .*empty\.yaml/);
});
