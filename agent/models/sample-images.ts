/**
 * The demo's sample images, fetched like models: sample-images.json names each file with its
 * sha256, size and public sources; `ensureSampleImages` fills a cache folder (in the data
 * directory) from a mirror folder first, then from the sources, through the same verified,
 * atomic download as the model store. A file already in the cache with the right digest is used
 * as it is, so only the first run needs the network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { AgentError } from '../errors/agent-error.js';
import { modelErrors } from './errors.js';
import { digestFile } from './file-digest.js';
import { downloadVerified } from './verified-download.js';

/** One sample image: its file name in the cache, digest, size and where it can be downloaded. */
export interface SampleImage {
  file: string;
  sha256: string;
  bytes: number;
  /** What the picture shows (whether a person is in it). */
  what: string;
  licence: string;
  /** Public URLs that serve exactly these bytes. */
  sources: string[];
}

/** Where the manifest of the sample images lives (copied into dist/ beside this module). */
export const sampleImagesManifest = new URL('./sample-images.json', import.meta.url);

/** The sample images the manifest names; throws EDGE_MODEL_MANIFEST_INVALID on a malformed entry. */
export function loadSampleImages(manifest: URL | string = sampleImagesManifest): SampleImage[] {
  const doc = JSON.parse(readFileSync(manifest, 'utf8')) as { images?: unknown };
  if (!Array.isArray(doc.images)) throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Expected an "images" array in ${String(manifest)}`, { file: String(manifest) });
  return doc.images.map((entry: Partial<SampleImage>, i) => {
    const ok =
      typeof entry.file === 'string' && /^[A-Za-z0-9_.-]+$/.test(entry.file) &&
      typeof entry.sha256 === 'string' && /^[0-9a-f]{64}$/.test(entry.sha256) &&
      Number.isSafeInteger(entry.bytes) && (entry.bytes ?? 0) > 0 &&
      Array.isArray(entry.sources) && entry.sources.every((s) => typeof s === 'string');
    if (!ok) throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Expected images[${i}] in ${String(manifest)} to have a plain file name, a 64-hex sha256, a positive byte count and a sources array`, { file: String(manifest), index: i });
    return entry as SampleImage;
  });
}

/** Where to put the images and where they may come from. */
export interface SampleImagesOptions {
  /** The cache folder the demo replays (`<dataDir>/demo-images`). */
  cacheDir: string;
  /** A folder holding the same files (`../shared/images` in this repository's setup); tried first. */
  mirrorDir?: string | undefined;
  /** Replaces each image's sources with `<baseUrl><file>` (an air-gapped mirror, a test's server). */
  baseUrl?: string | undefined;
  /** Gives up on one HTTP source after this long. */
  downloadTimeoutMs?: number;
  images?: readonly SampleImage[];
  logger: Logger;
}

/** What ensureSampleImages did for each file: where its bytes came from (`cache` when nothing was fetched). */
export interface SampleImagesResult {
  dir: string;
  fetched: { file: string; from: string }[];
  cached: string[];
}

/** The routes for one image, in order: the mirror's copy, then the sources (or the base URL). */
function routesFor(image: SampleImage, options: SampleImagesOptions): string[] {
  const remote = options.baseUrl === undefined ? image.sources : [`${options.baseUrl.replace(/\/*$/, '/')}${image.file}`];
  return [...(options.mirrorDir === undefined ? [] : [join(options.mirrorDir, image.file)]), ...remote];
}

/**
 * Makes every sample image present and verified in `cacheDir`. A source that sends other bytes
 * is refused (EDGE_MODEL_SAMPLE_IMAGE_MISMATCH) and nothing of it is kept; when no route works
 * for some image, EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE says which URLs to download and where to.
 */
export async function ensureSampleImages(options: SampleImagesOptions): Promise<SampleImagesResult> {
  const images = options.images ?? loadSampleImages();
  const result: SampleImagesResult = { dir: options.cacheDir, fetched: [], cached: [] };
  const missing: { image: SampleImage; failures: string[] }[] = [];
  for (const image of images) {
    const dest = join(options.cacheDir, image.file);
    if (await holds(dest, image)) {
      result.cached.push(image.file);
      continue;
    }
    const failures: string[] = [];
    let done = false;
    for (const route of routesFor(image, options)) {
      try {
        await downloadVerified(route, dest, image, {
          timeoutMs: options.downloadTimeoutMs ?? 60_000,
          what: 'sample image',
          refusals: {
            tooLarge: (from) => mismatch(image, from, `more than ${image.bytes} bytes`),
            mismatch: (from, got) => mismatch(image, from, got.bytes !== image.bytes ? `${got.bytes} bytes, not ${image.bytes}` : `sha256 ${got.sha256}, not ${image.sha256}`),
          },
        });
        options.logger.info({ file: image.file, from: route, bytes: image.bytes }, 'demo sample image fetched');
        result.fetched.push({ file: image.file, from: route });
        done = true;
        break;
      } catch (err) {
        // Wrong bytes are the source's fault, not the route's: said as they are, never retried elsewhere.
        if (err instanceof AgentError && err.code === modelErrors.EDGE_MODEL_SAMPLE_IMAGE_MISMATCH.code) throw err;
        failures.push(`${route}: ${(err as Error).message}`);
      }
    }
    if (!done) missing.push({ image, failures });
  }
  if (missing.length > 0) throw unavailable(missing, options);
  return result;
}

/** True when `path` is a regular file with the image's size and sha256. */
async function holds(path: string, image: SampleImage): Promise<boolean> {
  try {
    const have = await digestFile(path, { maxBytes: image.bytes });
    return have.bytes === image.bytes && have.sha256 === image.sha256;
  } catch {
    return false;
  }
}

function mismatch(image: SampleImage, from: string, got: string): AgentError {
  return modelErrors.EDGE_MODEL_SAMPLE_IMAGE_MISMATCH(
    `Expected the sample image ${image.file} from ${from} to have ${image.bytes} bytes and sha256 ${image.sha256} but it has ${got}; refused, nothing cached (the source serves a different file: fix or drop that source, or pass --demo-images DIR with your own images)`,
    { file: image.file, from, expectedSha256: image.sha256, expectedBytes: image.bytes },
  );
}

function unavailable(missing: { image: SampleImage; failures: string[] }[], options: SampleImagesOptions): AgentError {
  const tried = missing.map(({ image, failures }) => `  ${image.file}:\n${failures.map((f) => `    - ${f}`).join('\n') || '    - (no source)'}`).join('\n');
  const urls = missing.map(({ image }) => `  ${image.sources[0] ?? image.file}`).join('\n');
  return modelErrors.EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE(
    `Expected the demo's sample images in ${options.cacheDir} but ${missing.length} could not be fetched:\n${tried}\n` +
      `To fix it, do one of these:\n` +
      ` - connect to the network and run again (the images come from raw.githubusercontent.com);\n` +
      ` - download these files on another machine and copy them into ${options.cacheDir}/ (each is checked against its sha256 in agent/models/sample-images.json):\n${urls}\n` +
      ` - serve those files from a host you can reach and pass --demo-images http://HOST/PATH/;\n` +
      ` - replay your own pictures: --demo-images DIR (a folder of .jpg/.png files);\n` +
      ` - or run your own configuration with --config FILE.`,
    { cacheDir: options.cacheDir, missing: missing.map(({ image }) => image.file) },
  );
}
