import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildGreengrass, greengrassDir } from '../../greengrass/build/build.js';
import { compareVersions, elfVersionNeeds, statedGlibcFloor } from '../../greengrass/build/glibc.js';
import type { TargetArch } from '../../greengrass/build/native-modules.js';
import { repoRoot, sharedModels } from '../helpers/shared.js';

// The glibc floor that deploy/install.sh and the runtime recipe (check-system.sh, its Install
// step) enforce, against what every shipped binary needs: readelf's version-needs section of
// bin/node and of every .node and .so in the runtime zips, arm64 included (QEMU cannot catch a
// too-new symbol: its sysroot has glibc 2.36).
t.setTimeout(30 * 60_000);

const canCrossCompile = spawnSync('aarch64-linux-gnu-g++', ['--version']).status === 0;
const arches: TargetArch[] = canCrossCompile ? ['arm64', 'x64'] : ['x64'];

t.test('install.sh and check-system.sh state the same floor', async (t) => {
  const floor = statedGlibcFloor();
  t.equal(statedGlibcFloor(join(repoRoot, 'deploy', 'install.sh')), floor);
  t.match(floor, /^2\.\d+$/);
});

t.test('every shipped binary needs no glibc newer than the floor', { skip: canCrossCompile ? false : 'aarch64-linux-gnu-g++ not installed (apt-get install g++-aarch64-linux-gnu): arm64 is not checked, x64 is' }, async () => undefined);

const outDir = t.testdir();
const built = await buildGreengrass({ arches, outDir, cacheDir: join(greengrassDir, '.cache'), modelMirror: sharedModels, models: [], componentName: 'com.example.EdgeAgent', version: '0.0.1', publisher: 'Test', bucket: 'test-bucket' });

for (const arch of arches) {
  t.test(`linux/${arch}: every bin/node, .node and .so needs glibc <= the floor`, async (t) => {
    const runtime = built.artifacts.find((a) => a.unpackedName === `edge-agent-runtime-linux-${arch}`);
    t.ok(runtime, 'the runtime zip was built');
    if (runtime === undefined) return;
    const dir = join(outDir, `unzipped-${arch}`);
    mkdirSync(dir);
    t.equal(spawnSync('unzip', ['-q', runtime.file, '-d', dir]).status, 0);
    const binaries = runtime.files.filter((f) => f === 'bin/node' || f.endsWith('.node') || /\.so(\.\d+)*$/.test(f));
    t.ok(binaries.length >= 6, `node, onnxruntime (2), sharp, libvips, better-sqlite3, aws-crt: ${binaries.join(', ')}`);
    const floor = statedGlibcFloor();
    let newest = '0';
    for (const b of binaries) {
      const needs = elfVersionNeeds(join(dir, b))['GLIBC'] ?? [];
      const top = needs.at(-1) ?? '0';
      if (compareVersions(top, newest) > 0) newest = top;
      t.ok(compareVersions(top, floor) <= 0, `${b} needs GLIBC_${top}; the floor is ${floor}`);
    }
    // The floor is the real need, not a guess far above it.
    t.equal(newest, floor, `the newest need (GLIBC_${newest}) is the stated floor`);
  });
}
