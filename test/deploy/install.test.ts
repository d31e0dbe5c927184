import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

const installer = join(repoRoot, 'deploy', 'install.sh');

const PI_OS = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
const JETSON = 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n';

interface Machine {
  root: string;
  env: Record<string, string>;
  /** The agent zip. */
  artifact: string;
  runtime: string;
}

/**
 * A pretend machine: os-release, device-tree model and Jetson marker in a temp folder, and tiny
 * agent and runtime zips (the runtime's check-system.sh is the real one).
 */
function machine(t: Test, osRelease: string, model: string | undefined, options: { arch?: string; tegra?: boolean; glibc?: string } = {}): Machine {
  // One test may build several machines; each gets its own folder (t.testdir() is one per test).
  const dir = mkdtempSync(join(tmpdir(), 'edge-agent-install-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(dir, 'os-release'), osRelease);
  if (model !== undefined) writeFileSync(join(dir, 'model'), `${model}\u0000`);
  if (options.tegra === true) writeFileSync(join(dir, 'nv_tegra_release'), '# R36 (release), REVISION: 3.0\n');
  const stage = join(dir, 'stage');
  mkdirSync(join(stage, 'bin'), { recursive: true });
  mkdirSync(join(stage, 'greengrass'), { recursive: true });
  writeFileSync(join(stage, 'bin', 'edge-agent.js'), '// agent\n');
  const artifact = join(dir, 'edge-agent.zip');
  t.equal(spawnSync('zip', ['-qr', artifact, '.'], { cwd: stage }).status, 0);
  const runtimeStage = join(dir, 'runtime-stage');
  mkdirSync(join(runtimeStage, 'bin'), { recursive: true });
  writeFileSync(join(runtimeStage, 'bin', 'node'), '#!/bin/sh\n');
  writeFileSync(join(runtimeStage, 'check-system.sh'), readFileSync(join(repoRoot, 'greengrass', 'check-system.sh')));
  const runtime = join(dir, 'edge-agent-runtime-linux-arm64.zip');
  t.equal(spawnSync('zip', ['-qr', runtime, '.'], { cwd: runtimeStage }).status, 0);
  return {
    root,
    artifact,
    runtime,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      EDGE_AGENT_INSTALL_ROOT: root,
      EDGE_AGENT_OS_RELEASE: join(dir, 'os-release'),
      EDGE_AGENT_DEVICE_MODEL: join(dir, 'model'),
      EDGE_AGENT_TEGRA_RELEASE: join(dir, 'nv_tegra_release'),
      EDGE_AGENT_ARCH: options.arch ?? 'aarch64',
      EDGE_AGENT_SKIP_SYSTEM: '1',
      EDGE_AGENT_GLIBC_VERSION: options.glibc ?? '2.36',
    },
  };
}

function install(m: Machine, ...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('sh', [installer, '--runtime', m.runtime, '--agent', m.artifact, ...args], { env: m.env, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

t.test('refuses unsupported systems and says why', async (t) => {
  const cases: Array<[string, Machine, RegExp]> = [
    ['Ubuntu on a PC', machine(t, JETSON, undefined), /unsupported system: Ubuntu 22\.04\.4 LTS\. This installer supports Raspberry Pi OS \(64-bit\).*Jetson Linux/],
    ['Debian on something that is not a Pi', machine(t, PI_OS, 'QEMU Virt Machine'), /unsupported system: Debian GNU\/Linux 12 \(bookworm\) on "QEMU Virt Machine"/],
    ['32-bit Raspberry Pi OS', machine(t, PI_OS, 'Raspberry Pi 4 Model B Rev 1.4', { arch: 'armv7l' }), /unsupported architecture armv7l .*install the 64-bit Raspberry Pi OS image/],
    ['Raspberry Pi OS Buster', machine(t, PI_OS.replace('VERSION_ID="12"', 'VERSION_ID="10"'), 'Raspberry Pi 3 Model B'), /Raspberry Pi OS 10 is too old/],
    ['Raspberry Pi OS Bullseye (glibc 2.31)', machine(t, PI_OS.replace('VERSION_ID="12"', 'VERSION_ID="11"'), 'Raspberry Pi 4 Model B', { glibc: '2.31' }), /Raspberry Pi OS 11 is too old: the runtime needs glibc 2\.34 or later.*Bullseye \(11\) has 2\.31/],
    ['JetPack 5 (Ubuntu 20.04, glibc 2.31)', machine(t, JETSON.replace(/22\.04(\.4)?/g, '20.04'), 'NVIDIA Jetson AGX Orin', { tegra: true, glibc: '2.31' }), /Ubuntu 20\.04 is too old: .*JetPack 5 \(Ubuntu 20\.04\) has 2\.31/],
    ['a Pi with an old glibc whatever its os-release says', machine(t, PI_OS, 'Raspberry Pi 5 Model B', { glibc: '2.33' }), /glibc 2\.33 on .* is older than 2\.34/],
    ['Fedora', machine(t, 'ID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"\n', 'Raspberry Pi 4 Model B'), /unsupported system: Fedora Linux 40/],
  ];
  for (const [name, m, message] of cases) {
    const r = install(m);
    t.equal(r.status, 69, name);
    t.match(r.stderr, message, name);
    t.notOk(existsSync(join(m.root, 'opt')), `${name}: nothing was written`);
  }
  const noOsRelease = machine(t, PI_OS, 'Raspberry Pi 5');
  noOsRelease.env['EDGE_AGENT_OS_RELEASE'] = join(noOsRelease.root, 'missing');
  t.match(install(noOsRelease).stderr, /cannot read .*missing, so the OS cannot be identified/);
});

t.test('installs on Raspberry Pi OS, and a second run changes nothing', async (t) => {
  const m = machine(t, PI_OS, 'Raspberry Pi 4 Model B Rev 1.4');
  const first = install(m);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stderr, /system: Debian GNU\/Linux 12 \(bookworm\) on Raspberry Pi 4 Model B Rev 1\.4 \(raspberry-pi, aarch64\)/);
  t.match(first.stderr, /would run: useradd --system .* edge-agent/);
  t.match(first.stderr, /would run: usermod --append --groups video edge-agent/);
  t.match(first.stderr, /would run: systemctl restart edge-agent\.service/);

  const current = join(m.root, 'opt', 'edge-agent', 'current');
  t.match(readlinkSync(current), /^releases\/[0-9a-f]{16}$/);
  t.ok(existsSync(join(current, 'bin', 'edge-agent.js')));
  const runtimeLink = join(m.root, 'opt', 'edge-agent', 'runtime');
  t.match(readlinkSync(runtimeLink), /^runtimes\/[0-9a-f]{16}$/);
  t.ok(existsSync(join(runtimeLink, 'bin', 'node')), 'the runtime is unpacked beside the agent');
  const config = join(m.root, 'etc', 'edge-agent', 'config.yaml');
  t.equal(readFileSync(config, 'utf8'), readFileSync(join(repoRoot, 'deploy', 'config.example.yaml'), 'utf8'));
  t.equal(statSync(config).mode & 0o777, 0o640);
  t.equal(statSync(join(m.root, 'etc', 'edge-agent', 'certs')).mode & 0o777, 0o750);
  const unit = join(m.root, 'etc', 'systemd', 'system', 'edge-agent.service');
  t.equal(readFileSync(unit, 'utf8'), readFileSync(join(repoRoot, 'deploy', 'edge-agent.service'), 'utf8'));

  const before = { unit: statSync(unit).mtimeMs, config: statSync(config).mtimeMs, link: readlinkSync(current), runtime: readlinkSync(runtimeLink) };
  const second = install(m);
  t.equal(second.status, 0, second.stderr);
  t.match(second.stderr, /already installed/);
  t.match(second.stderr, /nothing changed/);
  t.notMatch(second.stderr, /systemctl restart/, 'no restart when nothing changed');
  t.same({ unit: statSync(unit).mtimeMs, config: statSync(config).mtimeMs, link: readlinkSync(current), runtime: readlinkSync(runtimeLink) }, before);

  // An operator's edit survives a reinstall; a new artifact becomes current and restarts.
  writeFileSync(config, 'logLevel: debug\n');
  writeFileSync(join(m.root, '..', 'stage', 'bin', 'edge-agent.js'), '// agent v2\n');
  t.equal(spawnSync('zip', ['-qr', m.artifact, '.'], { cwd: join(m.root, '..', 'stage') }).status, 0);
  const third = install(m);
  t.equal(third.status, 0, third.stderr);
  t.match(third.stderr, /keeping the existing/);
  t.match(third.stderr, /systemctl restart/);
  t.not(readlinkSync(current), before.link);
  t.equal(readlinkSync(runtimeLink), before.runtime, 'a code-only release leaves the runtime as it was');
  t.match(third.stderr, /runtime [0-9a-f]{16} already installed/);
  t.equal(readFileSync(config, 'utf8'), 'logLevel: debug\n');
});

t.test('accepts Jetson Linux', async (t) => {
  const m = machine(t, JETSON, 'NVIDIA Jetson Orin Nano Developer Kit', { tegra: true });
  const r = install(m);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /\(jetson, aarch64\)/);
});

t.test('refuses an argument it does not know, and a missing artifact', async (t) => {
  const m = machine(t, PI_OS, 'Raspberry Pi 5 Model B Rev 1.0');
  const r = spawnSync('sh', [installer, '--artefact', 'x.zip'], { env: m.env, encoding: 'utf8' });
  t.equal(r.status, 64);
  t.match(r.stderr, /unknown argument "--artefact"; usage: install\.sh --runtime .* --agent /);
  const r2 = spawnSync('sh', [installer, '--agent', m.artifact], { env: m.env, encoding: 'utf8' });
  t.equal(r2.status, 64);
  t.match(r2.stderr, /missing --runtime; .*build them with `npm run greengrass:build -- --arch arm64 --bucket NAME`/);
  const r3 = spawnSync('sh', [installer, '--runtime', m.artifact, '--agent', m.artifact], { env: m.env, encoding: 'utf8' });
  t.equal(r3.status, 65);
  t.match(r3.stderr, /holds no bin\/node; is it the edge-agent runtime zip\?/);
});
