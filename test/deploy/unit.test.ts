import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkLayer } from '../../agent/config/validate.js';
import { RUNTIME_NODE_VERSION } from '../../greengrass/build/node-runtime.js';
import { repoRoot } from '../helpers/shared.js';

const unitFile = join(repoRoot, 'deploy', 'edge-agent.service');
const unit = readFileSync(unitFile, 'utf8');

/** Values of `Key=` lines, in order (a key may repeat). */
function values(key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

t.test('the unit has the user, restart policy, watchdog and hardening the deployment relies on', async (t) => {
  t.same(values('User'), ['edge-agent']);
  t.same(values('SupplementaryGroups'), ['video']);
  t.same(values('Restart'), ['on-failure']);
  t.same(values('Type'), ['notify']);
  t.same(values('NotifyAccess'), ['all'], 'the sd_notify relay is a child process');
  t.same(values('WatchdogSec'), ['30']);
  t.same(values('NoNewPrivileges'), ['yes']);
  t.same(values('ProtectSystem'), ['strict']);
  t.same(values('ReadWritePaths'), ['/var/lib/edge-agent']);
  t.same(values('StateDirectory'), ['edge-agent']);
  t.same(values('PrivateTmp'), ['yes']);
  t.same(values('ProtectHome'), ['yes']);
  t.same(values('CapabilityBoundingSet'), ['']);
  // The runtime component's node (deploy/install.sh links it), never the system's.
  t.match(values('ExecStart')[0] ?? '', /^\/opt\/edge-agent\/runtime\/bin\/node --optimize-for-size \/opt\/edge-agent\/current\/bin\/edge-agent\.js run --config \/etc\/edge-agent\/config\.yaml$/);
});

// verify checks that ExecStart's binary exists. On a device that is the runtime component's node
// under /opt/edge-agent/runtime (deploy/install.sh links it); on a development machine or in CI,
// whose node is that same release (.ci/use-node puts it on PATH), a copy of the unit whose
// ExecStart names this node is verified instead: the one line that differs is the path.
const RUNTIME_NODE = '/opt/edge-agent/runtime/bin/node';
const verifySkip =
  spawnSync('systemd-analyze', ['--version']).status !== 0
    ? 'systemd-analyze not installed (apt-get install systemd)'
    : !existsSync(RUNTIME_NODE) && process.version !== `v${RUNTIME_NODE_VERSION}`
      ? `neither ${RUNTIME_NODE} (installed by deploy/install.sh) nor a Node.js ${RUNTIME_NODE_VERSION} running the tests (\`. .ci/use-node\`), and verify checks ExecStart's binary`
      : false;

/** The unit to verify: the real one on a device, else a copy in the test folder naming this node. */
function unitToVerify(t: Test): string {
  if (existsSync(RUNTIME_NODE)) return unitFile;
  const copy = join(t.testdir(), 'edge-agent.service');
  const rewritten = unit.split(RUNTIME_NODE).join(process.execPath);
  t.equal(rewritten.split('\n').filter((l, i) => l !== unit.split('\n')[i]).length, 1, `only ExecStart changes (${RUNTIME_NODE} -> ${process.execPath})`);
  writeFileSync(copy, rewritten);
  return copy;
}

t.test('systemd-analyze verify accepts the unit', { skip: verifySkip }, async (t) => {
  const r = spawnSync('systemd-analyze', ['verify', unitToVerify(t)], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr.trim(), '', 'no warnings');
});

t.test('the example config the installer writes is a valid config layer', async (t) => {
  const config = parse(readFileSync(join(repoRoot, 'deploy', 'config.example.yaml'), 'utf8')) as unknown;
  t.same(checkLayer(config), []);
});
