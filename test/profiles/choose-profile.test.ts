import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseProfile } from '../../agent/profiles/choose-profile.js';
import { describeBoard, detectBoard } from '../../agent/profiles/detect-board.js';
import { loadDeviceProfiles } from '../../agent/profiles/device-profile.js';

const profiles = loadDeviceProfiles();

function board(dir: string, model: string | null, tegra: string | null, arch: string) {
  const paths = { deviceTreeModel: join(dir, 'model'), tegraRelease: join(dir, 'nv_tegra_release') };
  if (model !== null) writeFileSync(paths.deviceTreeModel, `${model}\0`);
  if (tegra !== null) writeFileSync(paths.tegraRelease, tegra);
  return detectBoard(paths, arch);
}

t.test('the seven profiles exist and load', async (t) => {
  t.same(
    profiles.map((p) => p.id),
    ['generic-arm64', 'generic-x86_64', 'jetson-nano', 'jetson-orin-nano', 'raspberry-pi-4', 'raspberry-pi-5', 'raspberry-pi-zero-2-w'],
  );
});

const cases: [string, string | null, string | null, string, string][] = [
  // Model strings as in ../shared/models/face-yunet-2023mar/rpi-benchmark.csv.
  ['Pi 4', 'Raspberry Pi 4 Model B Rev 1.1', null, 'arm64', 'raspberry-pi-4'],
  ['Pi 5', 'Raspberry Pi 5 Model B Rev 1.0', null, 'arm64', 'raspberry-pi-5'],
  ['Pi Zero 2 W on a 32-bit OS', 'Raspberry Pi Zero 2 W Rev 1.0', null, 'arm', 'raspberry-pi-zero-2-w'],
  ['Jetson Nano', 'NVIDIA Jetson Nano Developer Kit', '# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64\n', 'arm64', 'jetson-nano'],
  ['Jetson Orin Nano', 'NVIDIA Jetson Orin Nano Developer Kit', '# R36 (release), REVISION: 3.0\n', 'arm64', 'jetson-orin-nano'],
  ['Pi 3 (no profile of its own)', 'Raspberry Pi 3 Model B Rev 1.2', null, 'arm64', 'generic-arm64'],
  ['PC', null, null, 'x64', 'generic-x86_64'],
  ['unknown arch', null, null, 'riscv64', 'generic-x86_64'],
];

for (const [name, model, tegra, arch, expected] of cases) {
  t.test(`detects ${name}`, async (t) => {
    const b = board(t.testdir(), model, tegra, arch);
    const choice = chooseProfile(profiles, b);
    t.equal(choice.profile.id, expected);
    t.equal(choice.source, 'detected');
    if (model !== null && !expected.startsWith('generic')) t.match(choice.reason, model);
  });
}

t.test('a Jetson reports its L4T release', async (t) => {
  const b = board(t.testdir(), 'NVIDIA Jetson Nano Developer Kit', '# R32 (release), REVISION: 7.1\n', 'arm64');
  t.equal(b.deviceTreeModel, 'NVIDIA Jetson Nano Developer Kit', 'trailing NUL removed');
  t.equal(b.l4tRelease, 'R32');
  t.match(chooseProfile(profiles, b).reason, /L4T R32/);
  t.match(describeBoard(b), /L4T R32/);
});

t.test('a Jetson whose model matches no profile says so and uses generic-arm64', async (t) => {
  const b = board(t.testdir(), 'NVIDIA Jetson AGX Orin Developer Kit', '# R35 (release), REVISION: 4.1\n', 'arm64');
  const choice = chooseProfile(profiles, b);
  t.equal(choice.profile.id, 'generic-arm64');
  t.match(choice.reason, /no profile matches the device tree model "NVIDIA Jetson AGX Orin Developer Kit" \(a Jetson: L4T R35/);
});

t.test('a request beats detection; auto means detect', async (t) => {
  const b = board(t.testdir(), 'Raspberry Pi 5 Model B Rev 1.0', null, 'arm64');
  t.equal(chooseProfile(profiles, b, { id: 'raspberry-pi-4', source: 'flag', origin: '--profile' }).profile.id, 'raspberry-pi-4');
  t.equal(chooseProfile(profiles, b, { id: 'auto', source: 'flag', origin: '--profile' }).profile.id, 'raspberry-pi-5');
  t.throws(() => chooseProfile(profiles, b, { id: 'jetson-nan', source: 'environment', origin: 'EDGE_AGENT_PROFILE' }), {
    code: 'EDGE_PROFILE_UNKNOWN',
    message: /from EDGE_AGENT_PROFILE.*"jetson-nan"; did you mean jetson-nano\?/,
  });
});
