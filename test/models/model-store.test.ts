import t, { type Test } from 'tap';
import { createServer, type Server } from 'node:http';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { AgentError } from '../../agent/errors/agent-error.js';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { silentLogger } from '../../agent/log/logger.js';
import { sharedModel } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';

const FACE = 'face-yunet-2023mar';
const faceBytes = readFileSync(sharedModel(FACE));

/** A manifest dir holding one copy of the face manifest with the given sources. */
function manifestDirWithSources(root: string, sources: string[]): string {
  const dir = join(root, 'manifests');
  mkdirSync(join(dir, FACE), { recursive: true });
  const m = JSON.parse(readFileSync(join(bundledManifestDir, FACE, 'manifest.json'), 'utf8')) as { sources: string[] };
  m.sources = sources;
  writeFileSync(join(dir, FACE, 'manifest.json'), JSON.stringify(m));
  return dir;
}

async function serve(handler: (path: string) => { status: number; body: Buffer }): Promise<{ server: Server; base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const { status, body } = handler(req.url ?? '');
    res.writeHead(status, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

async function rejectsWith(t: Test, p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  try {
    await p;
    t.fail(`expected ${code}`);
  } catch (err) {
    t.equal((err as AgentError).code, code, (err as Error).message);
    if (pattern) t.match((err as Error).message, pattern);
  }
}

t.test('pull from the mirror verifies and stores the file; a second pull finds it present', async (t) => {
  const dir = t.testdir();
  const store = testStore(dir);
  const r = await store.pull(FACE);
  t.equal(r.bytes, 232589);
  t.equal(r.sha256, '8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4');
  t.ok(readFileSync(r.path).equals(faceBytes));
  t.equal((await store.pull(FACE)).from, 'already-present');
  t.equal((await store.verify(FACE)).state, 'ok');
  t.same(readdirSync(join(dir, FACE)), ['model.onnx'], 'no temp files left');
});

t.test('a mirror file with a wrong sha256 is refused and leaves no file behind', async (t) => {
  const root = t.testdir();
  const mirror = join(root, 'mirror');
  mkdirSync(join(mirror, FACE), { recursive: true });
  const corrupt = Buffer.from(faceBytes);
  corrupt[1000] = (corrupt[1000] as number) ^ 0xff;
  writeFileSync(join(mirror, FACE, 'model.onnx'), corrupt);
  const store = testStore(join(root, 'models'), mirror);
  await rejectsWith(t, store.pull(FACE), 'EDGE_MODEL_SHA256_MISMATCH', /Expected sha256 8f2383e4.*refusing it/);
  t.notOk(existsSync(join(root, 'models', FACE, 'model.onnx')), 'no model file');
  t.same(readdirSync(join(root, 'models', FACE)), [], 'no partial file');
});

t.test('a truncated mirror file is refused as a size mismatch', async (t) => {
  const root = t.testdir();
  const mirror = join(root, 'mirror');
  mkdirSync(join(mirror, FACE), { recursive: true });
  writeFileSync(join(mirror, FACE, 'model.onnx'), faceBytes.subarray(0, 1000));
  await rejectsWith(t, testStore(join(root, 'models'), mirror).pull(FACE), 'EDGE_MODEL_SIZE_MISMATCH', /Expected 232589 bytes/);
});

t.test('pull over real HTTP: a failing source is skipped, the next one is used', async (t) => {
  const { server, base, hits } = await serve((path) => (path === '/good.onnx' ? { status: 200, body: faceBytes } : { status: 404, body: Buffer.from('nope') }));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const root = t.testdir();
  const store = new ModelStore({ modelDir: join(root, 'models'), manifestDirs: [manifestDirWithSources(root, [`${base}/missing.onnx`, `${base}/good.onnx`])], logger: silentLogger() });
  const r = await store.pull(FACE);
  t.equal(r.from, `${base}/good.onnx`);
  t.same(hits, ['/missing.onnx', '/good.onnx']);
  t.equal((await store.verify(FACE)).state, 'ok');
});

t.test('an HTTP source that sends more bytes than the manifest says is cut off and refused', async (t) => {
  const { server, base } = await serve(() => ({ status: 200, body: Buffer.concat([faceBytes, Buffer.alloc(4096)]) }));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const root = t.testdir();
  const store = new ModelStore({ modelDir: join(root, 'models'), manifestDirs: [manifestDirWithSources(root, [`${base}/big.onnx`])], logger: silentLogger() });
  await rejectsWith(t, store.pull(FACE), 'EDGE_MODEL_SIZE_MISMATCH', /received more/);
  t.same(readdirSync(join(root, 'models', FACE)), []);
});

t.test('all sources failing gives one error listing each and the fix', async (t) => {
  const { server, base } = await serve(() => ({ status: 503, body: Buffer.from('busy') }));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const root = t.testdir();
  const store = new ModelStore({ modelDir: join(root, 'models'), manifestDirs: [manifestDirWithSources(root, [`${base}/a.onnx`])], logger: silentLogger() });
  await rejectsWith(t, store.pull(FACE), 'EDGE_MODEL_DOWNLOAD_FAILED', /HTTP 503[\s\S]*--from DIR/);
});

t.test('verify reports a file changed on disk; ensure refuses it without a mirror', async (t) => {
  const dir = t.testdir();
  const store = testStore(dir);
  const { path } = await store.pull(FACE);
  const bytes = readFileSync(path);
  bytes[5] = (bytes[5] as number) ^ 1;
  writeFileSync(path, bytes);
  const v = await store.verify(FACE);
  t.equal(v.state, 'sha256-mismatch');
  await rejectsWith(t, testStore(dir, null).ensure(FACE), 'EDGE_MODEL_SHA256_MISMATCH');
  t.equal(await store.ensure(FACE), path, 'with a mirror, ensure pulls a good copy again');
  t.equal((await store.verify(FACE)).state, 'ok');
});

t.test('ensure without a mirror names the pull command; unknown ids suggest the nearest', async (t) => {
  const store = testStore(t.testdir(), null);
  await rejectsWith(t, store.ensure(FACE), 'EDGE_MODEL_NOT_PULLED', /edge-agent models pull face-yunet-2023mar/);
  t.throws(() => store.manifest('face-yunet'), /did you mean "face-yunet-2023mar"/);
});

t.test('file:// sources work for local copies', async (t) => {
  const root = t.testdir();
  copyFileSync(sharedModel(FACE), join(root, 'copy.onnx'));
  const store = new ModelStore({ modelDir: join(root, 'models'), manifestDirs: [manifestDirWithSources(root, [`file://${join(root, 'copy.onnx')}`])], logger: silentLogger() });
  t.equal((await store.pull(FACE)).bytes, 232589);
});
