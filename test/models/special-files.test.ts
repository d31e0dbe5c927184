import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from '../../agent/errors/agent-error.js';
import { digestFile } from '../../agent/models/file-digest.js';
import { bundledManifestDir, loadManifestCatalogue, loadManifestFile, MAX_MANIFEST_BYTES } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { silentLogger } from '../../agent/log/logger.js';
import { sharedModel } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';

const FACE = 'face-yunet-2023mar';
const PERSON = 'person-yolox-192';

function code(t: Test, fn: () => unknown, expected: string, pattern?: RegExp): void {
  try {
    fn();
    t.fail(`expected ${expected}`);
  } catch (err) {
    t.ok(err instanceof AgentError, 'an AgentError');
    t.equal((err as AgentError).code, expected, (err as Error).message);
    if (pattern) t.match((err as Error).message, pattern);
  }
}

async function rejectsCode(t: Test, p: Promise<unknown>, expected: string, pattern?: RegExp): Promise<void> {
  try {
    await p;
    t.fail(`expected ${expected}`);
  } catch (err) {
    t.equal((err as AgentError).code, expected, (err as Error).message);
    if (pattern) t.match((err as Error).message, pattern);
  }
}

t.test('digestFile refuses a link to /dev/zero, a FIFO and a directory instead of reading for ever', async (t) => {
  const dir = t.testdir();
  symlinkSync('/dev/zero', join(dir, 'zero.onnx'));
  execFileSync('mkfifo', [join(dir, 'fifo.onnx')]);
  mkdirSync(join(dir, 'dir.onnx'));
  await rejectsCode(t, digestFile(join(dir, 'zero.onnx')), 'EDGE_MODEL_FILE_NOT_REGULAR', /character device/);
  await rejectsCode(t, digestFile(join(dir, 'fifo.onnx')), 'EDGE_MODEL_FILE_NOT_REGULAR', /FIFO/);
  await rejectsCode(t, digestFile(join(dir, 'dir.onnx')), 'EDGE_MODEL_FILE_NOT_REGULAR', /directory/);
});

t.test('digestFile with maxBytes does not hash a larger file and reports its size', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'a'), Buffer.alloc(5000, 7));
  const over = await digestFile(join(dir, 'a'), { maxBytes: 4000 });
  t.equal(over.sha256, undefined, 'not hashed');
  t.equal(over.bytes, 5000);
  const whole = await digestFile(join(dir, 'a'), { maxBytes: 5000 });
  t.match(whole.sha256, /^[0-9a-f]{64}$/);
  t.equal(whole.bytes, 5000);
});

t.test('a pulled model that is a link to /dev/zero: verify and ensure refuse it with a code', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, FACE));
  symlinkSync('/dev/zero', join(dir, FACE, 'model.onnx'));
  const store = testStore(dir, null);
  await rejectsCode(t, store.verify(FACE), 'EDGE_MODEL_FILE_NOT_REGULAR', /model\.onnx but it is a character device/);
  await rejectsCode(t, store.ensure(FACE), 'EDGE_MODEL_FILE_NOT_REGULAR');
});

t.test('a mirror entry that is a link to /dev/zero fails the pull with a code, leaving nothing behind', async (t) => {
  const root = t.testdir();
  mkdirSync(join(root, 'mirror', FACE), { recursive: true });
  symlinkSync('/dev/zero', join(root, 'mirror', FACE, 'model.onnx'));
  await rejectsCode(t, testStore(join(root, 'models'), join(root, 'mirror')).pull(FACE), 'EDGE_MODEL_DOWNLOAD_FAILED', /character device/);
});

t.test('a pulled model larger than its manifest says is a size mismatch, found without hashing it', async (t) => {
  const dir = t.testdir();
  const store = testStore(dir);
  const { path } = await store.pull(FACE);
  appendFileSync(path, Buffer.alloc(10_000));
  const v = await store.verify(FACE);
  t.equal(v.state, 'size-mismatch');
  t.equal(v.actualBytes, 232589 + 10_000);
  t.equal(v.actualSha256, undefined);
  await rejectsCode(t, testStore(dir, null).ensure(FACE), 'EDGE_MODEL_SIZE_MISMATCH', /Expected 232589 bytes/);
});

t.test('manifests: a link to /dev/zero, a directory and an oversized file are refused by code', async (t) => {
  const dir = t.testdir();
  symlinkSync('/dev/zero', join(dir, 'zero.json'));
  mkdirSync(join(dir, 'dir.json'));
  writeFileSync(join(dir, 'big.json'), Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20));
  code(t, () => loadManifestFile(join(dir, 'zero.json')), 'EDGE_MODEL_FILE_NOT_REGULAR');
  code(t, () => loadManifestFile(join(dir, 'dir.json')), 'EDGE_MODEL_FILE_NOT_REGULAR');
  code(t, () => loadManifestFile(join(dir, 'big.json')), 'EDGE_MODEL_MANIFEST_UNREADABLE', /at most 1048576 bytes/);
});

t.test('a manifest input shape of 100000x100000 is refused with a clear message', async (t) => {
  const dir = t.testdir();
  const m = JSON.parse(readFileSync(join(bundledManifestDir, PERSON, 'manifest.json'), 'utf8')) as { input: { shape: number[] } };
  m.input.shape = [1, 3, 100000, 100000];
  writeFileSync(join(dir, 'm.json'), JSON.stringify(m));
  code(t, () => loadManifestFile(join(dir, 'm.json')), 'EDGE_MODEL_MANIFEST_INVALID', /height and width of at most 4096 but received 1x3x100000x100000/);
});

t.test('one broken manifest disables only its own model, and says so', async (t) => {
  const root = t.testdir();
  const models = join(root, 'models');
  mkdirSync(join(models, FACE), { recursive: true });
  writeFileSync(join(models, FACE, 'manifest.json'), '{ not json');
  mkdirSync(join(models, 'linked'), { recursive: true });
  symlinkSync('/dev/zero', join(models, 'linked', 'manifest.json'));
  const catalogue = loadManifestCatalogue([models, bundledManifestDir]);
  t.same([...catalogue.manifests.keys()], [PERSON], 'the valid bundled model still loads');
  t.same([...catalogue.broken.keys()].sort(), [FACE, 'linked'], 'the broken override wins over the bundled manifest of the same id');

  const lines: string[] = [];
  const logger = silentLogger();
  logger.error = ((obj: unknown, msg: string, ...args: unknown[]) => {
    lines.push(`${JSON.stringify(obj)} ${msg} ${args.join(' ')}`);
  }) as typeof logger.error;
  const store = new ModelStore({ modelDir: models, manifestDirs: [models, bundledManifestDir], mirrorDir: join(sharedModel(PERSON), '..', '..'), logger });
  t.equal(lines.length, 2, 'one line per broken manifest');
  t.match(lines.join('\n'), new RegExp(`${FACE}.*disabled`));
  t.equal(store.manifest(PERSON).id, PERSON);
  code(t, () => store.manifest(FACE), 'EDGE_MODEL_MANIFEST_UNREADABLE', /manifest\.json/);
  t.same(store.brokenManifests().map((b) => b.id), [FACE, 'linked']);
  t.equal((await store.pull(PERSON)).bytes, 3616703, 'the valid model still pulls');
});
