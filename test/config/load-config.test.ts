import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadConfigOptions } from '../../agent/config/load-config.js';
import { exampleConfigYaml } from '../../agent/docs/config-doc.js';
import { cameraIntervalMs } from '../../agent/config/cross-checks.js';
import { AgentError, hasCode } from '../../agent/errors/agent-error.js';

type Board = Pick<LoadConfigOptions, 'boardPaths' | 'arch' | 'hostname' | 'identityPaths'>;

// No serial number or machine-id file: the default deviceId falls back to the host name.
function noIdentity(dir: string): LoadConfigOptions['identityPaths'] {
  return { serialNumber: [join(dir, 'absent-serial')], machineId: [join(dir, 'absent-machine-id')] };
}

// A board with no device tree model on x64: the generic-x86_64 profile, whatever machine runs the test.
function pcBoard(dir: string): Board {
  return { boardPaths: { deviceTreeModel: join(dir, 'absent-model'), tegraRelease: join(dir, 'absent-tegra') }, arch: 'x64', hostname: 'test-host', identityPaths: noIdentity(dir) };
}

function pi5Board(dir: string): Board {
  const model = join(dir, 'model');
  writeFileSync(model, 'Raspberry Pi 5 Model B Rev 1.0\0');
  return { boardPaths: { deviceTreeModel: model, tegraRelease: join(dir, 'absent-tegra') }, arch: 'arm64', hostname: 'pi', identityPaths: noIdentity(dir) };
}

function failure(t: Test, fn: () => unknown): AgentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgentError) return err;
    t.fail(`expected an AgentError, got ${String(err)}`);
    throw err;
  }
  t.fail('expected a failure');
  throw new Error('unreachable');
}

t.test('defaults, runtime defaults and the detected profile with no file', async (t) => {
  const dir = t.testdir();
  const { config, profile, file, identity } = loadConfig({ env: {}, ...pcBoard(dir) });
  t.equal(file, undefined);
  t.equal(profile.profile.id, 'generic-x86_64');
  t.equal(profile.source, 'detected');
  t.match(profile.reason, /absent.*architecture x64/);
  t.equal(config.profile, 'generic-x86_64', 'the config records the chosen profile, not "auto"');
  t.equal(config.deviceId, 'test-host', 'no serial number, machine-id or thing name: the host name alone');
  t.same(identity, { deviceId: 'test-host', source: 'hostname', from: 'os.hostname()' });
  t.equal(config.publish.thingName, 'test-host');
  t.equal(config.publish.clientId, 'test-host');
  t.equal(config.models.dir, join(config.dataDir, 'models'));
  t.equal(config.health.host, '127.0.0.1');
  t.equal(config.health.port, 9464);
  t.equal(config.logLevel, 'info');
  t.equal(config.outbox.maxAgeSeconds, null);
  t.same(config.capture.autoBackends, ['v4l2'], 'from the generic-x86_64 profile, not the schema default');
  t.same(config.cameras, []);
});

t.test('host names become valid device ids', async (t) => {
  const dir = t.testdir();
  const { config } = loadConfig({ env: {}, ...pcBoard(dir), hostname: 'my host/with#odd+chars' });
  t.equal(config.deviceId, 'my-host-with-odd-chars');
});

t.test('the default deviceId and client id: serial number, else machine-id, else thing name, never the host name alone', async (t) => {
  const dir = t.testdir({
    a: { 'serial-number': '10000000a1b2c3d4\0', 'machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4\n' },
    b: { 'serial-number': '10000000e5f60718\0', 'machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4\n' },
    c: { 'serial-number': '0000000000000000\0', 'machine-id': '9f8e7d6c5b4a39281706f5e4d3c2b1a0\n' },
  });
  // Two Pis flashed from one image: same host name, same machine-id, different SoC serials.
  const fromSerial = (board: string) =>
    loadConfig({ env: {}, ...pcBoard(dir), hostname: 'raspberrypi', identityPaths: { serialNumber: [join(dir, 'absent'), join(dir, board, 'serial-number')], machineId: [join(dir, board, 'machine-id')] } });
  const a = fromSerial('a');
  const b = fromSerial('b');
  t.equal(a.config.deviceId, 'raspberrypi-a1b2c3d4', 'the last 8 characters: a Pi serial starts with the same 10000000');
  t.equal(b.config.deviceId, 'raspberrypi-e5f60718');
  t.equal(a.config.publish.clientId, 'raspberrypi-a1b2c3d4', 'the MQTT client id follows the device id');
  t.equal(b.config.publish.clientId, 'raspberrypi-e5f60718');
  t.same(a.identity, { deviceId: 'raspberrypi-a1b2c3d4', source: 'serial-number', from: join(dir, 'a', 'serial-number') });

  const zeroSerial = fromSerial('c');
  t.same(zeroSerial.identity, { deviceId: 'raspberrypi-9f8e7d6c', source: 'machine-id', from: join(dir, 'c', 'machine-id') }, 'an all-zero serial says nothing');

  const thing = loadConfig({ env: { AWS_IOT_THING_NAME: 'Lobby_Cam_7' }, ...pcBoard(dir), hostname: 'raspberrypi' });
  t.same(thing.identity, { deviceId: 'Lobby_Cam_7', source: 'thing-name', from: 'AWS_IOT_THING_NAME' });

  const configured = loadConfig({ env: { EDGE_AGENT_DEVICE_ID: 'door-1' }, ...pcBoard(dir), identityPaths: { serialNumber: [join(dir, 'a', 'serial-number')] } });
  t.same(configured.identity, { deviceId: 'door-1', source: 'config', from: 'from EDGE_AGENT_DEVICE_ID' }, 'a configured id wins over every default');
  t.equal(configured.config.publish.clientId, 'door-1');
});

t.test('the default config file is read only when nothing names another and it exists', async (t) => {
  const dir = t.testdir({ 'default.yaml': 'logLevel: debug\n', 'named.yaml': 'logLevel: error\n' });
  const base = { env: {}, ...pcBoard(dir) };
  const fromDefault = loadConfig({ ...base, defaultFile: join(dir, 'default.yaml') });
  t.equal(fromDefault.file, join(dir, 'default.yaml'));
  t.equal(fromDefault.fileSource, 'default');
  t.equal(fromDefault.config.logLevel, 'debug');
  const absent = loadConfig({ ...base, defaultFile: join(dir, 'absent.yaml') });
  t.equal(absent.file, undefined, 'an absent default file is no error');
  t.equal(absent.fileSource, undefined);
  const fromEnv = loadConfig({ ...base, env: { EDGE_AGENT_CONFIG: join(dir, 'named.yaml') }, defaultFile: join(dir, 'default.yaml') });
  t.equal(fromEnv.fileSource, 'environment');
  t.equal(fromEnv.config.logLevel, 'error');
  const fromFlag = loadConfig({ ...base, file: join(dir, 'named.yaml'), env: { EDGE_AGENT_CONFIG: join(dir, 'default.yaml') } });
  t.equal(fromFlag.fileSource, 'flag');
  t.equal(fromFlag.config.logLevel, 'error');
});

t.test('merge order: defaults < profile < file < environment < flags', async (t) => {
  const dir = t.testdir({
    'site.yaml': ['logLevel: warn', 'inference:', '  intraOpThreads: 2', 'health:', '  port: 7000', 'outbox:', '  maxRows: 10'].join('\n'),
  });
  const board = pi5Board(dir);
  const base = { file: join(dir, 'site.yaml'), ...board };

  const fileOnly = loadConfig({ ...base, env: {} }).config;
  t.equal(fileOnly.inference.intraOpThreads, 2, 'file beats profile (raspberry-pi-5 says 3)');
  t.same(fileOnly.capture.autoBackends, ['rpicam', 'v4l2'], 'profile beats schema default');
  t.equal(fileOnly.outbox.maxBytes, 536870912, 'schema default where nobody says otherwise');
  t.equal(fileOnly.logLevel, 'warn');

  const withEnv = loadConfig({ ...base, env: { EDGE_AGENT_HEALTH__PORT: '7100', EDGE_AGENT_LOG_LEVEL: 'debug' } }).config;
  t.equal(withEnv.health.port, 7100, 'environment beats file');
  t.equal(withEnv.logLevel, 'debug');
  t.equal(withEnv.outbox.maxRows, 10, 'file value untouched by unrelated variables');

  const withFlags = loadConfig({ ...base, env: { EDGE_AGENT_HEALTH__PORT: '7100' }, flags: { health: { port: 7200 }, dataDir: undefined } }).config;
  t.equal(withFlags.health.port, 7200, 'flags beat environment');
  t.equal(withFlags.health.host, '127.0.0.1', 'objects merge key by key');
});

t.test('lists from a layer replace the list below', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'inference:\n  executionProviders: [xnnpack, cpu]\n' });
  const { config } = loadConfig({ file: join(dir, 'a.yaml'), env: { EDGE_AGENT_INFERENCE__EXECUTION_PROVIDERS: 'cuda, cpu' }, ...pcBoard(dir) });
  t.same(config.inference.executionProviders, ['cuda', 'cpu']);
});

t.test('the result is deep-frozen', async (t) => {
  const dir = t.testdir({ 'c.yaml': exampleConfigYaml });
  const { config } = loadConfig({ file: join(dir, 'c.yaml'), env: {}, ...pcBoard(dir) });
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.cameras));
  t.ok(Object.isFrozen(config.cameras[0]?.source));
  t.throws(() => {
    (config.health as { port: number }).port = 1;
  }, TypeError);
  t.equal(config.health.port, 9464);
});

t.test('the example in docs/configuration.md is a valid config with defaults filled in', async (t) => {
  const dir = t.testdir({ 'c.yaml': exampleConfigYaml });
  const { config } = loadConfig({ file: join(dir, 'c.yaml'), env: {}, ...pcBoard(dir) });
  const camera = config.cameras[0];
  t.equal(camera?.name, 'door');
  t.equal(camera?.source.stallTimeoutMs, 10000, 'nested default inside a list item');
  t.equal(camera?.models[0]?.report.policy, 'on-change');
  t.equal(camera?.models[0]?.report.minScore, 0);
  t.equal(config.publish.topics.results, 'edge-agent/{thingName}/results/{modelId}');
  t.equal(config.deviceId, 'shop-door-1');
  t.equal(config.publish.thingName, 'shop-door-1', 'thingName follows the configured deviceId');
});

t.test('unknown keys are refused with the nearest key, the path and the file', async (t) => {
  const dir = t.testdir({
    'typo.yaml': ['cameras:', '  - name: door', '    source: { typ: rpicam }', '    models: [{ id: m }]', 'helth: { port: 1 }'].join('\n'),
  });
  const file = join(dir, 'typo.yaml');
  const err = failure(t, () => loadConfig({ file, env: {}, ...pcBoard(dir) }));
  t.equal(err.code, 'EDGE_CONFIG_INVALID');
  t.equal(err.kind, 'config');
  t.match(err.message, /Unknown key helth; did you mean health\?/);
  t.match(err.message, /Unknown key cameras\[0\]\.source\.typ; did you mean cameras\[0\]\.source\.type\?/);
  t.match(err.message, new RegExp(`in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  const problems = err.details['problems'] as { path: string; suggestion?: string }[];
  t.ok(problems.some((p) => p.path === 'helth' && p.suggestion === 'health'));
});

t.test('wrong types and ranges say what was expected and what came', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'health:\n  port: "eighty"\noutbox:\n  maxRows: -5\nlogLevel: verbose\n' });
  const err = failure(t, () => loadConfig({ file: join(dir, 'bad.yaml'), env: {}, ...pcBoard(dir) }));
  t.match(err.message, /Expected an integer for health\.port but received "eighty" of type string/);
  t.match(err.message, /Expected a number >= 1 for outbox\.maxRows but received -5 of type number/);
  t.match(err.message, /Expected one of fatal, error, warn, info, debug, trace, silent for logLevel but received "verbose"/);
});

t.test('enum typos get a suggestion', async (t) => {
  const dir = t.testdir({ 'e.yaml': 'cameras:\n  - name: a\n    source: { type: rpicm }\n    models: [{ id: m }]\n' });
  const err = failure(t, () => loadConfig({ file: join(dir, 'e.yaml'), env: {}, ...pcBoard(dir) }));
  t.match(err.message, /cameras\[0\]\.source\.type but received "rpicm" of type string; did you mean rpicam\?/);
});

t.test('rules across keys', async (t) => {
  const dir = t.testdir({
    'x.yaml': [
      'cameras:',
      '  - { name: a, source: { type: rtsp }, models: [{ id: m }] }',
      '  - { name: a, source: { type: files, path: /tmp }, targetIntervalMs: 100, targetFps: 5, models: [{ id: m }] }',
      'publish: { transport: aws-iot }',
    ].join('\n'),
  });
  const err = failure(t, () => loadConfig({ file: join(dir, 'x.yaml'), env: {}, ...pcBoard(dir) }));
  t.match(err.message, /Expected cameras\[0\]\.source\.url for source type rtsp but received nothing/);
  t.match(err.message, /Expected a unique name for cameras\[1\]\.name but received "a", already used by cameras\[0\]/);
  t.match(err.message, /either cameras\[1\]\.targetIntervalMs or cameras\[1\]\.targetFps but received both/);
  t.match(err.message, /Expected publish\.brokerUrl for transport aws-iot/);
  t.match(err.message, /Expected publish\.tls\.cert/);
  t.match(err.message, /x\.yaml/);
});

t.test('required keys inside list items', async (t) => {
  const dir = t.testdir({ 'r.yaml': 'cameras:\n  - name: a\n    source: { type: files, path: /tmp }\n' });
  const err = failure(t, () => loadConfig({ file: join(dir, 'r.yaml'), env: {}, ...pcBoard(dir) }));
  t.match(err.message, /Expected a value for cameras\[0\]\.models but received nothing/);
});

t.test('environment variables: unknown names, bad values, aliases, the config file', async (t) => {
  const dir = t.testdir({ 'env.yaml': 'logLevel: error\n' });
  const unknown = failure(t, () => loadConfig({ env: { EDGE_AGENT_HEALTH__PROT: '1' }, ...pcBoard(dir) }));
  t.equal(unknown.code, 'EDGE_CONFIG_ENV_INVALID');
  t.match(unknown.message, /Unknown environment variable EDGE_AGENT_HEALTH__PROT; did you mean EDGE_AGENT_HEALTH__PORT\?/);

  const bad = failure(t, () => loadConfig({ env: { EDGE_AGENT_HEALTH__PORT: 'abc' }, ...pcBoard(dir) }));
  t.equal(bad.code, 'EDGE_CONFIG_ENV_INVALID');
  t.match(bad.message, /Expected an integer for health\.port but received "abc" of type string \(from EDGE_AGENT_HEALTH__PORT\)/);

  const { config, file } = loadConfig({
    env: { EDGE_AGENT_CONFIG: join(dir, 'env.yaml'), EDGE_AGENT_MODEL_MIRROR: '/mirror', EDGE_AGENT_HEALTH__ENABLED: 'false', EDGE_AGENT_OUTBOX__MAX_AGE_SECONDS: 'null', UNRELATED: 'x' },
    ...pcBoard(dir),
  });
  t.equal(file, join(dir, 'env.yaml'));
  t.equal(config.logLevel, 'error');
  t.equal(config.models.mirror, '/mirror');
  t.equal(config.health.enabled, false);
  t.equal(config.outbox.maxAgeSeconds, null);
});

t.test('config file problems: missing, not YAML, not a mapping, empty', async (t) => {
  const dir = t.testdir({ 'broken.yaml': 'a: [1, 2\n', 'list.yaml': '- 1\n- 2\n', 'empty.yaml': '' });
  const missing = failure(t, () => loadConfig({ file: join(dir, 'nope.yaml'), env: {}, ...pcBoard(dir) }));
  t.equal(missing.code, 'EDGE_CONFIG_FILE_UNREADABLE');
  t.equal(missing.kind, 'environment');
  t.match(missing.message, /nope\.yaml.*check the path given to --config/);
  const broken = failure(t, () => loadConfig({ file: join(dir, 'broken.yaml'), env: {}, ...pcBoard(dir) }));
  t.equal(broken.code, 'EDGE_CONFIG_YAML_INVALID');
  const list = failure(t, () => loadConfig({ file: join(dir, 'list.yaml'), env: {}, ...pcBoard(dir) }));
  t.match(list.message, /Expected a mapping of keys at the top of .*list\.yaml but received a list/);
  t.equal(loadConfig({ file: join(dir, 'empty.yaml'), env: {}, ...pcBoard(dir) }).config.logLevel, 'info');
});

t.test('profile choice: flag > environment > file > detection', async (t) => {
  const dir = t.testdir({ 'p.yaml': 'profile: jetson-nano\n' });
  const board = pi5Board(dir);
  const file = join(dir, 'p.yaml');
  t.equal(loadConfig({ env: {}, ...board }).profile.profile.id, 'raspberry-pi-5');
  const fromFile = loadConfig({ file, env: {}, ...board }).profile;
  t.equal(fromFile.profile.id, 'jetson-nano');
  t.equal(fromFile.source, 'file');
  const fromEnv = loadConfig({ file, env: { EDGE_AGENT_PROFILE: 'raspberry-pi-4' }, ...board }).profile;
  t.equal(fromEnv.profile.id, 'raspberry-pi-4');
  t.equal(fromEnv.source, 'environment');
  const fromFlag = loadConfig({ file, env: { EDGE_AGENT_PROFILE: 'raspberry-pi-4' }, profile: 'generic-arm64', ...board });
  t.equal(fromFlag.profile.profile.id, 'generic-arm64');
  t.equal(fromFlag.profile.source, 'flag');
  t.match(fromFlag.profile.reason, /--profile/);
  t.equal(fromFlag.config.inference.intraOpThreads, 0, 'the flagged profile supplies the layer');
  const err = failure(t, () => loadConfig({ env: {}, profile: 'raspbery-pi-5', ...board }));
  t.ok(hasCode(err, 'EDGE_PROFILE_UNKNOWN'));
  t.match(err.message, /did you mean raspberry-pi-5\?/);
});

t.test('cameraIntervalMs', async (t) => {
  t.equal(cameraIntervalMs({ targetIntervalMs: 250 }), 250);
  t.equal(cameraIntervalMs({ targetFps: 4 }), 250);
  t.equal(cameraIntervalMs({}), 1000);
});
