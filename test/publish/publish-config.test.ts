/** The publish section of the config as publishing reads it: keys removed stay refused, sizes checked at start. */
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../agent/config/load-config.js';
import { AgentError } from '../../agent/errors/agent-error.js';
import { silentLogger } from '../../agent/log/logger.js';
import { publishSettingsFor } from '../../agent/runtime/publish-settings.js';
import { createPublisher } from '../../agent/runtime/publishing.js';
import { makeTestCerts } from './helpers/certs.js';

function board(dir: string): Parameters<typeof loadConfig>[0] {
  return {
    env: {},
    boardPaths: { deviceTreeModel: join(dir, 'absent-model'), tegraRelease: join(dir, 'absent-tegra') },
    arch: 'x64',
    hostname: 'test-host',
    identityPaths: { serialNumber: [join(dir, 'absent-serial')], machineId: [join(dir, 'absent-machine-id')] },
  };
}

function thrown(fn: () => unknown): AgentError | undefined {
  try {
    fn();
  } catch (err) {
    return err as AgentError;
  }
  return undefined;
}

t.test('publish.qos is gone: a config that sets it gets the unknown-key error', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'publish:\n  qos: 0\n');
  const err = thrown(() => loadConfig({ file, ...board(dir) }));
  t.equal(err?.code, 'EDGE_CONFIG_INVALID');
  t.match(err?.message, /Unknown key publish\.qos/);
});

t.test('batch.maxBytes that cannot hold a result is refused by the schema', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'publish:\n  batch: { maxResults: 10, maxBytes: 512 }\n');
  const err = thrown(() => loadConfig({ file, ...board(dir) }));
  t.equal(err?.code, 'EDGE_CONFIG_INVALID');
  t.match(err?.message, /publish\.batch\.maxBytes/);
});

t.test('aws-iot with batch.maxBytes over 128 KB is refused at start as a config error', async (t) => {
  const dir = t.testdir({});
  const certs = makeTestCerts(dir, 'test-host');
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    [
      'publish:',
      '  transport: aws-iot',
      '  brokerUrl: mqtts://example-ats.iot.eu-west-1.amazonaws.com:8883',
      `  tls: { ca: ${certs.caFile}, cert: ${certs.clientCert}, key: ${certs.clientKey} }`,
      '  batch: { maxResults: 100, maxBytes: 262144 }',
    ].join('\n'),
  );
  const { config } = loadConfig({ file, ...board(dir) });
  const err = await createPublisher(publishSettingsFor(config), { socketPath: undefined, authToken: undefined, thingName: undefined }, silentLogger()).then(
    () => undefined,
    (e: unknown) => e as AgentError,
  );
  t.equal(err?.code, 'EDGE_PUBLISH_BAD_OPTION');
  t.equal(err?.kind, 'config');
  t.match(err?.message, /publish\.batch\.maxBytes at most 131072 for transport aws-iot .* received 262144/);
});
