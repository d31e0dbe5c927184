import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { checkLayer } from '../../agent/config/validate.js';
import { loadDeviceProfiles, readDeviceProfile } from '../../agent/profiles/device-profile.js';
import { sharedModels } from '../helpers/shared.js';

t.test('a profile with an unknown config key is refused, when chosen, with the file and a suggestion', async (t) => {
  const dir = t.testdir({
    'bad.yaml': 'id: bad\nname: Bad\nmatch: { arch: [x64] }\nconfig:\n  inference:\n    intraOpTreads: 2\n',
  });
  t.ok(readDeviceProfile(join(dir, 'bad.yaml')), 'the file itself has the shape of a profile');
  t.throws(() => loadConfig({ profilesDir: dir, profile: 'bad', env: {}, document: { values: {}, label: 'test' } }), {
    code: 'EDGE_CONFIG_INVALID',
    message: /Unknown key inference\.intraOpTreads; did you mean inference\.intraOpThreads\?.*\(in device profile .*bad\.yaml\)/,
  });
});

t.test('the config section of every shipped profile is a valid config layer', async (t) => {
  for (const p of loadDeviceProfiles()) t.same(checkLayer(p.config), [], p.id);
});

t.test('a profile file missing its match rule, or not YAML, is refused', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'id: a\nname: A\nconfig: {}\n', 'b.yaml': 'id: [\n' });
  t.throws(() => readDeviceProfile(join(dir, 'a.yaml')), { code: 'EDGE_PROFILE_INVALID', message: /a\.yaml: Expected a value for match/ });
  t.throws(() => readDeviceProfile(join(dir, 'b.yaml')), { code: 'EDGE_PROFILE_INVALID', message: /b\.yaml/ });
});

t.test('duplicate ids in one folder are refused', async (t) => {
  const body = 'id: same\nname: S\nmatch: { arch: [x64] }\nconfig: {}\n';
  const dir = t.testdir({ '1.yaml': body, '2.yaml': body });
  t.throws(() => loadDeviceProfiles(dir), { code: 'EDGE_PROFILE_INVALID', message: /both use "same"/ });
});

// The thread counts in the Raspberry Pi profiles cite the YuNet benchmark; check the citations
// against the file itself, so a profile cannot claim what the source does not say.
function benchmark(): { board: string; threads: number; mhz: number; width: number; ms: number }[] {
  const lines = readFileSync(join(sharedModels, 'face-yunet-2023mar', 'rpi-benchmark.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const f = line.split(',');
    return { board: f[0] ?? '', threads: Number(f[3]), mhz: Number(f[4]), width: Number(f[6]), ms: Number(f[8]) };
  });
}

// The clock of the board's thread-scaling rows: the one clock its single-thread row was run at.
function latency(board: string, threads: number, width = 640): string {
  const rows = benchmark().filter((r) => r.board.startsWith(board));
  const clock = rows.find((r) => r.threads === 1)?.mhz;
  const row = rows.find((r) => r.threads === threads && r.width === width && r.mhz === clock);
  if (!row) throw new Error(`no row for ${board} ${threads} threads`);
  return row.ms.toFixed(1);
}

t.test('Raspberry Pi thread choices match the benchmark they cite', async (t) => {
  const profiles = new Map(loadDeviceProfiles().map((p) => [p.id, p]));
  const threads = (id: string): unknown => (profiles.get(id)?.config['inference'] as { intraOpThreads?: number } | undefined)?.intraOpThreads;
  const text = (id: string): string => readFileSync(profiles.get(id)?.file ?? '', 'utf8');

  t.equal(threads('raspberry-pi-4'), 4);
  t.ok(Number(latency('Raspberry Pi 4', 4)) < Number(latency('Raspberry Pi 4', 3)), 'Pi 4: four threads is the fastest');
  for (const n of [4, 3, 2, 1]) t.ok(text('raspberry-pi-4').includes(`${latency('Raspberry Pi 4', n)} ms`), `Pi 4 cites ${n} threads correctly`);

  t.equal(threads('raspberry-pi-5'), 3);
  t.ok(Number(latency('Raspberry Pi 5', 3)) / Number(latency('Raspberry Pi 5', 4)) < 1.01, 'Pi 5: three threads within 1% of four');
  for (const n of [4, 3, 2, 1]) t.ok(text('raspberry-pi-5').includes(`${latency('Raspberry Pi 5', n)} ms`), `Pi 5 cites ${n} threads correctly`);

  t.equal(threads('raspberry-pi-zero-2-w'), 4);
  for (const n of [4, 3, 2, 1]) t.ok(text('raspberry-pi-zero-2-w').includes(`${latency('Raspberry Pi Zero 2 W', n)} ms`), `Zero 2 W cites ${n} threads correctly`);
  t.ok(text('raspberry-pi-zero-2-w').includes(`${latency('Raspberry Pi Zero 2 W', 4, 320)} ms at 320x240`), 'Zero 2 W cites the 320x240 figure');
});
