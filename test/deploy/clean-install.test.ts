import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

// A clean clone's install, offline from the npm cache: no npm warning (the deprecated .npmrc key
// made every npm command warn), and onnxruntime-node's install script skips its CUDA download
// when ONNXRUNTIME_NODE_INSTALL=skip (script/install-utils.js, parseInstallFlag, reads it first).
// Install scripts run one by one below: better-sqlite3's compile is left out (minutes). Dev
// dependencies are left out too: the npm cache here need not hold every one of them.
t.setTimeout(15 * 60_000);

t.test('npm ci from package.json, the lockfile and .npmrc warns about nothing', async (t) => {
  const dir = t.testdir();
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) cpSync(join(repoRoot, f), join(dir, f));
  const r = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  t.equal(r.status, 0, r.stderr);
  t.notMatch(`${r.stdout}${r.stderr}`, /npm warn/i, 'no npm warning');

  // onnxruntime-node's install script as npm would run it, with every proxy pointing at a closed
  // port: a download attempt would fail it.
  const ort = join(dir, 'node_modules', 'onnxruntime-node');
  const closed = 'http://127.0.0.1:9';
  const install = spawnSync(process.execPath, ['script/install.js'], { cwd: ort, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ONNXRUNTIME_NODE_INSTALL: 'skip', GLOBAL_AGENT_HTTPS_PROXY: closed, GLOBAL_AGENT_HTTP_PROXY: closed, https_proxy: closed, http_proxy: closed } });
  t.equal(install.status, 0, install.stderr);
  t.equal(`${install.stdout}${install.stderr}`.trim(), '', 'silent');
  const bin = join(ort, 'bin', 'napi-v6', 'linux', 'x64');
  t.same(existsSync(bin) ? readdirSync(bin).filter((f) => /cuda|tensorrt/i.test(f)) : [], [], 'no CUDA provider library was fetched');
});
