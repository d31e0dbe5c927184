/**
 * A first run anywhere (issue 16 item 7): a clone of this repository in a temp folder outside
 * /work, so with no ../shared beside it, runs `npm start -- --exit-when-done` (bin/start.js:
 * builds dist/, runs the bundle) with two 127.0.0.1 servers as "the network": one serves the
 * sample images (given as --demo-images http://127.0.0.1:PORT/, the documented override of the
 * manifest's URLs), the other the person model (a manifest in the data directory's model folder
 * names it as the source, the way a model component overrides the bundled manifest). The demo
 * fetches both, verifies them, plays each image once and publishes to its own broker.
 *
 * node_modules is a symlink to this checkout's: a full `npm install` in the clone would take
 * minutes and download from the registry (test/deploy/clean-install.test.ts covers the install).
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFileServer } from '../helpers/file-server.js';
import { repoRoot, sharedImages, sharedModels } from '../helpers/shared.js';

t.test('a fresh clone outside /work runs the demo from 127.0.0.1 servers and publishes', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'edge-agent-clone-'));
  t.teardown(() => rmSync(outside, { recursive: true, force: true }));
  t.notOk(outside.startsWith('/work/'), 'the clone is outside /work');
  const clone = join(outside, 'edge-agent');
  const cloned = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone], { encoding: 'utf8' });
  t.equal(cloned.status, 0, cloned.stderr);
  t.notOk(existsSync(join(outside, 'shared')), 'no ../shared beside the clone');
  symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'));

  const images = await startFileServer(sharedImages);
  const models = await startFileServer(sharedModels);
  t.teardown(images.close);
  t.teardown(models.close);
  const dataDir = join(outside, 'data');
  const manifest = JSON.parse(readFileSync(join(clone, 'models', 'person-yolox-192', 'manifest.json'), 'utf8')) as { sources: string[] };
  manifest.sources = [`${models.baseUrl}person-yolox-192/model.onnx`];
  mkdirSync(join(dataDir, 'models', 'person-yolox-192'), { recursive: true });
  writeFileSync(join(dataDir, 'models', 'person-yolox-192', 'manifest.json'), JSON.stringify(manifest));

  const child = spawn(process.execPath, [join(clone, 'bin', 'start.js'), '--exit-when-done', '--data-dir', dataDir, '--demo-images', images.baseUrl, '--health-port', '0'], {
    cwd: clone,
    // No EDGE_AGENT_* from the caller: the clone runs as a person's first `npm start` would.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EDGE_AGENT_'))),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdout.resume();
  // Bounded by the demo itself (each image once); the kill is only a backstop for a hung child.
  const backstop = setTimeout(() => child.kill('SIGKILL'), 900_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(backstop);
  t.equal(code, 0, stderr.slice(-4000));
  t.match(stderr, 'building it (npm run build)', 'dist/ was built in the clone');
  t.same(readdirSync(join(dataDir, 'demo-images')).sort(), ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'], 'the images were fetched into the data directory');
  t.same(images.requests().sort(), ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'], 'from the image server');
  t.same(models.requests(), ['person-yolox-192/model.onnx'], 'the model from the model server');
  t.match(stderr, `"from":"${models.baseUrl}person-yolox-192/model.onnx"`, 'the model pull is logged with its source');
  const results = Number(/results (\d+)/.exec(stderr)?.[1] ?? 0);
  const published = Number(/published (\d+)/.exec(stderr)?.[1] ?? 0);
  t.ok(results >= 1, `results were made (${results})`);
  t.ok(published >= 1, `results were published to the demo's broker (${published})`);
});
