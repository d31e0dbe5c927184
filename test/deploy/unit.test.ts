import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkLayer } from '../../agent/config/validate.js';
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

// verify needs systemd-analyze, and checks that ExecStart's binary exists.
const verifySkip =
  spawnSync('systemd-analyze', ['--version']).status !== 0
    ? 'systemd-analyze not installed (apt-get install systemd)'
    : !existsSync('/opt/edge-agent/runtime/bin/node')
      ? '/opt/edge-agent/runtime/bin/node (installed by deploy/install.sh) is missing on this machine, and verify checks ExecStart'
      : false;

t.test('systemd-analyze verify accepts the unit', { skip: verifySkip }, async (t) => {
  const r = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr.trim(), '', 'no warnings');
});

t.test('the example config the installer writes is a valid config layer', async (t) => {
  const config = parse(readFileSync(join(repoRoot, 'deploy', 'config.example.yaml'), 'utf8')) as unknown;
  t.same(checkLayer(config), []);
});
