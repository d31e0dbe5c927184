import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderDoctorText, runDoctor, type DoctorOptions } from '../../agent/cli/doctor/doctor.js';
import { registerDoctorCommand } from '../../agent/cli/commands/doctor.js';
import { silentLogger } from '../../agent/log/logger.js';
import { openModelStore } from '../../agent/models/model-store.js';
import { sharedModels } from '../helpers/shared.js';

// A fake Raspberry Pi 5: board files, /dev with one video device, and a PATH holding executable
// stand-ins for rpicam-hello (which really runs and lists a camera) and rpicam-vid.
function pi5(dir: string, meminfoKb = 4_000_000): Omit<DoctorOptions, 'load'> & { load: DoctorOptions['load'] } {
  writeFileSync(join(dir, 'model'), 'Raspberry Pi 5 Model B Rev 1.0\0');
  writeFileSync(join(dir, 'serial-number'), '10000000c0ffee42\0');
  writeFileSync(join(dir, 'meminfo'), `MemTotal:        8000000 kB\nMemAvailable:    ${meminfoKb} kB\n`);
  const hello = join(dir, 'bin', 'rpicam-hello');
  writeFileSync(hello, '#!/bin/sh\necho "Available cameras"\necho "-----------------"\necho "0 : imx708 [4608x2592 10-bit RGGB] (/base/axi/pcie@120000/rp1/i2c@88000/imx708@1a)"\n');
  chmodSync(hello, 0o755);
  writeFileSync(join(dir, 'bin', 'rpicam-vid'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'bin', 'rpicam-vid'), 0o755);
  return {
    load: {
      env: {},
      boardPaths: { deviceTreeModel: join(dir, 'model'), tegraRelease: join(dir, 'no-tegra') },
      arch: 'arm64',
      hostname: 'pi',
      identityPaths: { serialNumber: [join(dir, 'serial-number')], machineId: [join(dir, 'no-machine-id')] },
      flags: { dataDir: join(dir, 'data') },
    },
    greengrass: { socketPath: undefined, authToken: undefined, thingName: undefined },
    searchPath: [join(dir, 'bin')],
    devDir: join(dir, 'dev'),
    meminfoPath: join(dir, 'meminfo'),
    freeDiskBytes: () => 10 * 1024 ** 3,
    platform: 'linux',
  };
}

t.test('a healthy Pi 5 with an rpicam camera: no problems', async (t) => {
  const dir = t.testdir({
    bin: {},
    dev: { video0: '' },
    'site.yaml': 'cameras:\n  - name: door\n    source: { type: rpicam }\n    models: [{ id: person-yolox-192 }]\n',
  });
  const options = pi5(dir);
  // Pulled into the store run would use: <dataDir>/models.
  await openModelStore({ modelDir: join(dir, 'data', 'models'), mirrorDir: sharedModels, logger: silentLogger() }).pull('person-yolox-192');
  const report = await runDoctor({ ...options, load: { ...options.load, file: join(dir, 'site.yaml') } });
  const byName = new Map(report.checks.map((c) => [c.name, c]));
  t.equal(report.problems, 0, renderDoctorText(report));
  t.equal(report.deviceId, 'pi-c0ffee42');
  t.equal(report.deviceIdSource, 'serial-number');
  t.match(byName.get('device id')?.detail, /^pi-c0ffee42 \(the host name and the board serial number in .*serial-number\); MQTT client id pi-c0ffee42$/);
  t.match(byName.get('model person-yolox-192')?.detail, /data\/models\/person-yolox-192\/.* matches its manifest/);
  t.equal(byName.get('data directory')?.status, 'ok');
  t.match(byName.get('broker')?.detail, /transport is none/);
  t.equal(report.profile?.id, 'raspberry-pi-5');
  t.match(report.profile?.reason, /Raspberry Pi 5 Model B Rev 1\.0/);
  t.match(report.board, /Raspberry Pi 5 Model B Rev 1\.0, arch arm64/);
  t.match(byName.get('cameras found')?.detail, /video devices: .*video0; rpicam cameras: 0 : imx708/);
  t.match(byName.get('camera door')?.detail, /uses .*bin\/rpicam-vid/);
  t.equal(byName.get('onnxruntime-node')?.status, 'ok', 'the real module loads');
  t.equal(byName.get('sharp')?.status, 'ok', 'the real module loads');
  t.match(byName.get('memory')?.detail, /3906 MiB available/);
  t.match(byName.get('disk')?.detail, /10240 MiB free/);
});

t.test('each problem comes with its fix, and the count drives the exit status', async (t) => {
  const dir = t.testdir({
    bin: {},
    dev: {},
    'site.yaml': [
      'profile: jetson-nano',
      'cameras:',
      '  - { name: usb, source: { type: v4l2, device: /dev/video7 }, models: [{ id: m }] }',
      '  - { name: csi, source: { type: gstreamer, pipeline: "nvarguscamerasrc ! jpegenc" }, models: [{ id: m }] }',
    ].join('\n'),
  });
  const options = pi5(dir, 100_000);
  const report = await runDoctor({
    ...options,
    searchPath: [],
    load: { ...options.load, file: join(dir, 'site.yaml') },
    importer: async (name) => {
      if (name === 'sharp') throw new Error('Could not load the "sharp" module using the linux-arm64 runtime');
      return (await import(name)) as unknown;
    },
    freeDiskBytes: () => 1024,
  });
  const byName = new Map(report.checks.map((c) => [c.name, c]));
  t.equal(report.profile?.id, 'jetson-nano');
  t.equal(report.profile?.source, 'file');
  t.equal(byName.get('camera usb')?.status, 'problem');
  t.match(byName.get('camera usb')?.fix, /v4l2-ctl --list-devices/);
  t.equal(byName.get('camera csi')?.status, 'problem');
  t.match(byName.get('camera csi')?.fix, /apt-get install gstreamer1\.0-tools/);
  t.equal(byName.get('sharp')?.status, 'problem');
  t.match(byName.get('sharp')?.fix, /npm install --os=linux --cpu=arm64 sharp/);
  t.equal(byName.get('onnxruntime-node')?.status, 'warn', 'cuda listed on linux arm64, where the npm build is CPU only');
  t.equal(byName.get('disk')?.status, 'problem');
  t.equal(byName.get('memory')?.status, 'problem');
  t.equal(byName.get('cameras found')?.status, 'warn');
  t.equal(byName.get('model m')?.status, 'problem');
  t.match(byName.get('model m')?.detail, /Unknown model "m".*EDGE_MODEL_UNKNOWN/);
  t.equal(report.problems, 6, 'usb, csi, model m, sharp, disk, memory');
  t.notOk(report.configInvalid);
  const text = renderDoctorText(report);
  t.match(text, /PROBLEM  camera usb\s+device \/dev\/video7 does not exist\n\s+fix: check the cable/);
  t.match(text, /6 problems found\.\n$/);
});

t.test('an invalid config is a problem, and the other checks still run', async (t) => {
  const dir = t.testdir({ bin: {}, dev: {}, 'bad.yaml': 'helth: {}\n' });
  const options = pi5(dir);
  const report = await runDoctor({ ...options, load: { ...options.load, file: join(dir, 'bad.yaml') } });
  const config = report.checks.find((c) => c.name === 'config');
  t.equal(config?.status, 'problem');
  t.match(config?.detail, /Unknown key helth; did you mean health\?.*\[EDGE_CONFIG_INVALID\]/);
  t.ok(report.configInvalid);
  t.equal(report.profile?.id, 'raspberry-pi-5', 'profile still detected');
  t.ok(report.checks.some((c) => c.name === 'sharp'));
});

t.test('the doctor command prints JSON and exits non-zero on a problem', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'logLevel: loud\n' });
  const program = new Command('edge-agent').exitOverride();
  registerDoctorCommand(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const exitBefore = process.exitCode;
  try {
    await program.parseAsync(['node', 'edge-agent', 'doctor', '--json', '--config', join(dir, 'bad.yaml'), '--data-dir', dir]);
  } finally {
    process.stdout.write = write;
  }
  const code = process.exitCode;
  process.exitCode = exitBefore;
  const report = JSON.parse(out) as { problems: number; configInvalid: boolean; checks: { name: string; status: string; detail: string }[] };
  t.ok(report.problems >= 1);
  t.equal(report.configInvalid, true);
  t.match(report.checks.find((c) => c.name === 'config')?.detail, /logLevel but received "loud"/);
  t.equal(code, 5, 'the config exit status');
});
