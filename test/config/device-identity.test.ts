import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanDeviceId, resolveDeviceIdentity } from '../../agent/config/device-identity.js';
import { findExecutable } from '../../agent/support/executables.js';
import { executableSearchPath } from '../../agent/config/environment.js';
import { repoRoot } from '../helpers/shared.js';

t.test('serial number first (NUL-trimmed, its last 8), then machine-id (its first 8), then the thing name, then the host name', async (t) => {
  const dir = t.testdir({
    'serial-a': '10000000a1b2c3d4\0',
    'serial-b': '10000000a1b2c3d5\0',
    'serial-zero': '0000000000000000\0',
    'machine-a': '0f1e2d3c4b5a69788796a5b4c3d2e1f0\n',
    'machine-b': '9a8b7c6d5e4f30211203f4e5d6c7b8a9\n',
    'machine-uninit': 'uninitialized\n',
  });
  const p = (name: string) => join(dir, name);
  const none = { serialNumber: [p('absent')], machineId: [p('absent')] };
  const id = (paths: Partial<typeof none>, thingName?: string) => resolveDeviceIdentity({ hostname: 'raspberrypi', thingName, paths: { ...none, ...paths } });

  t.same(id({ serialNumber: [p('absent'), p('serial-a')] }), { deviceId: 'raspberrypi-a1b2c3d4', source: 'serial-number', from: p('serial-a') }, 'the second device-tree path is tried');
  t.not(id({ serialNumber: [p('serial-a')] }).deviceId, id({ serialNumber: [p('serial-b')] }).deviceId, 'serials differing in the last digit give different ids');
  t.same(id({ serialNumber: [p('serial-zero')], machineId: [p('machine-a')] }), { deviceId: 'raspberrypi-0f1e2d3c', source: 'machine-id', from: p('machine-a') });
  t.not(id({ machineId: [p('machine-a')] }).deviceId, id({ machineId: [p('machine-b')] }).deviceId);
  t.same(id({ machineId: [p('machine-uninit')] }, 'Door Cam'), { deviceId: 'Door-Cam', source: 'thing-name', from: 'AWS_IOT_THING_NAME' }, 'an uninitialised machine-id is skipped; the thing name is made topic-safe');
  t.same(id({}), { deviceId: 'raspberrypi', source: 'hostname', from: 'os.hostname()' });
  t.equal(cleanDeviceId('my host/#+'), 'my-host---');
  t.equal(cleanDeviceId(''), 'edge-agent');
});

// Two "devices" on one machine: the same host name, each with its own /etc/machine-id bind-mounted
// in a private mount namespace, resolve the default id the agent would use from the real path.
const unshare = findExecutable('unshare', executableSearchPath());
const namespaces = unshare !== undefined && process.getuid?.() === 0;
t.test('two processes with different /etc/machine-id and the same host name get different device ids', { skip: namespaces ? false : 'needs root and unshare(1) to bind-mount /etc/machine-id in a private mount namespace' }, async (t) => {
  if (unshare === undefined) return;
  const dir = t.testdir({ 'machine-id-1': '11111111aaaaaaaabbbbbbbbcccccccc\n', 'machine-id-2': '22222222aaaaaaaabbbbbbbbcccccccc\n' });
  const script = join(dir, 'resolve.mjs');
  // The serial-number paths are left out so that a board with a device tree still exercises machine-id.
  writeFileSync(
    script,
    [
      `import { hostname } from 'node:os';`,
      `import { loadConfig } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'agent', 'config', 'load-config.ts')).href)};`,
      `const { identity, config } = loadConfig({ env: {}, identityPaths: { serialNumber: [] } });`,
      `process.stdout.write(JSON.stringify({ hostname: hostname(), identity, clientId: config.publish.clientId }));`,
    ].join('\n'),
  );
  const resolveIn = (machineId: string) =>
    new Promise<{ hostname: string; identity: { deviceId: string; source: string; from: string }; clientId: string }>((resolve, reject) => {
      const inner = `mount --bind "$1" /etc/machine-id && exec "$2" --import tsx "$3"`;
      execFile(unshare, ['-m', '--propagation', 'private', 'sh', '-c', inner, 'sh', machineId, process.execPath, script], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as never);
      });
    });
  const one = await resolveIn(join(dir, 'machine-id-1'));
  const two = await resolveIn(join(dir, 'machine-id-2'));
  t.equal(one.hostname, two.hostname, 'the same host name');
  t.equal(one.identity.source, 'machine-id');
  t.equal(one.identity.from, '/etc/machine-id');
  t.equal(one.identity.deviceId, `${cleanDeviceId(one.hostname)}-11111111`);
  t.equal(two.identity.deviceId, `${cleanDeviceId(two.hostname)}-22222222`);
  t.not(one.identity.deviceId, two.identity.deviceId);
  t.not(one.clientId, two.clientId, 'so their MQTT client ids differ too');
});
