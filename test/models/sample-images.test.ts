/**
 * The demo's sample images (agent/models/sample-images.ts): the manifest matches the ../shared
 * mirror, the mirror works with no network, a 127.0.0.1 server stands in for the public URLs
 * (download, verify, cache, then the cache is used), a server sending other bytes is refused
 * with nothing cached, and with no route at all the error says what to do.
 */
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { AgentError } from '../../agent/errors/agent-error.js';
import { createLogger } from '../../agent/log/logger.js';
import { ensureSampleImages, loadSampleImages, type SampleImage } from '../../agent/models/sample-images.js';
import { closedBaseUrl, startFileServer } from '../helpers/file-server.js';
import { sharedImages } from '../helpers/shared.js';

const logger = createLogger('silent');
const manifest = loadSampleImages();

/** The manifest's images with every public source replaced by a dead 127.0.0.1 URL (no network). */
async function offlineImages(): Promise<SampleImage[]> {
  const dead = await closedBaseUrl();
  return manifest.map((image) => ({ ...image, sources: [`${dead}${image.file}`] }));
}

t.test('the manifest names files the mirror holds, with their sha256 and size', async (t) => {
  t.ok(manifest.length >= 4, 'at least four images');
  for (const image of manifest) {
    const bytes = readFileSync(join(sharedImages, image.file));
    t.equal(bytes.length, image.bytes, `${image.file}: size`);
    t.equal(createHash('sha256').update(bytes).digest('hex'), image.sha256, `${image.file}: sha256`);
    t.match(image.sources[0], /^https:\/\/raw\.githubusercontent\.com\/scikit-image\/scikit-image\/v0\.25\.2\/skimage\/data\//, `${image.file}: a tagged, stable URL`);
  }
  t.ok(manifest.some((i) => /one person/.test(i.what)), 'one image has a person in it');
});

t.test('(a) with the mirror, no network is needed', async (t) => {
  const cacheDir = join(t.testdir(), 'demo-images');
  const got = await ensureSampleImages({ cacheDir, mirrorDir: sharedImages, images: await offlineImages(), logger });
  t.same(got.fetched.map((f) => f.from), manifest.map((i) => join(sharedImages, i.file)), 'every file came from the mirror');
  t.same(readdirSync(cacheDir).sort(), manifest.map((i) => i.file).sort(), 'the cache holds exactly the images');
});

t.test('(b) no mirror: downloaded from the server, verified, cached; the second run uses the cache', async (t) => {
  const server = await startFileServer(sharedImages);
  t.teardown(server.close);
  const cacheDir = join(t.testdir(), 'demo-images');
  const first = await ensureSampleImages({ cacheDir, baseUrl: server.baseUrl, logger });
  t.same(first.fetched.map((f) => f.from), manifest.map((i) => `${server.baseUrl}${i.file}`), 'each from the base URL');
  t.same(server.requests().sort(), manifest.map((i) => i.file).sort(), 'one request per image');
  for (const image of manifest) {
    t.equal(createHash('sha256').update(readFileSync(join(cacheDir, image.file))).digest('hex'), image.sha256, `${image.file} cached as it should be`);
  }
  const second = await ensureSampleImages({ cacheDir, baseUrl: server.baseUrl, logger });
  t.same(second.fetched, [], 'nothing fetched the second time');
  t.same(second.cached.sort(), manifest.map((i) => i.file).sort(), 'every image from the cache');
  t.equal(server.requests().length, manifest.length, 'no more requests');
});

t.test('(c) a server sending other bytes is refused, and nothing is cached', async (t) => {
  const first = manifest[0] as SampleImage;
  const wrong = Buffer.from(readFileSync(join(sharedImages, first.file)));
  wrong.writeUInt8((wrong.at(-1) ?? 0) ^ 0xff, wrong.length - 1); // same size, one bit pattern different: only the digest can tell
  const server = await startFileServer(sharedImages, { [first.file]: wrong });
  t.teardown(server.close);
  const cacheDir = join(t.testdir(), 'demo-images');
  const err = await ensureSampleImages({ cacheDir, baseUrl: server.baseUrl, logger }).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof AgentError, 'an AgentError');
  t.equal((err as AgentError).code, 'EDGE_MODEL_SAMPLE_IMAGE_MISMATCH');
  t.match((err as AgentError).message, new RegExp(`sample image ${first.file} from ${server.baseUrl}${first.file}.*sha256 ${first.sha256}.*refused, nothing cached`));
  t.equal((err as AgentError).kind, 'input', 'exit status 4');
  t.notOk(existsSync(join(cacheDir, first.file)), 'the wrong file is not in the cache');
  t.same(existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.includes('.part-')) : [], [], 'no partial file left');
});

t.test('(d) no network and no mirror: the error says which URLs to fetch into which folder', async (t) => {
  const cacheDir = join(t.testdir(), 'demo-images');
  const err = await ensureSampleImages({ cacheDir, baseUrl: await closedBaseUrl(), logger }).then(() => undefined, (e: unknown) => e);
  t.equal((err as AgentError).code, 'EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE');
  t.equal((err as AgentError).kind, 'environment', 'exit status 6');
  const message = (err as AgentError).message;
  t.match(message, `copy them into ${cacheDir}/`, 'names the folder');
  for (const image of manifest) t.match(message, image.sources[0], `names the URL of ${image.file}`);
  t.match(message, '--demo-images DIR', 'says how to use your own images');
  t.match(message, '--demo-images http://HOST/PATH/', 'says how to use a mirror host');
  t.match(message, /fetch failed \(ECONNREFUSED\)/, 'says what failed');
});

t.test('a file copied into the cache by hand is used when it matches, replaced when it does not', async (t) => {
  const server = await startFileServer(sharedImages);
  t.teardown(server.close);
  const cacheDir = join(t.testdir(), 'demo-images');
  await ensureSampleImages({ cacheDir, mirrorDir: sharedImages, images: await offlineImages(), logger });
  const [first] = manifest as [SampleImage];
  writeFileSync(join(cacheDir, first.file), 'not the picture');
  const got = await ensureSampleImages({ cacheDir, baseUrl: server.baseUrl, logger });
  t.same(got.fetched.map((f) => f.file), [first.file], 'only the damaged one is fetched again');
  t.same(server.requests(), [first.file]);
});
