/**
 * The built-in demo configuration `edge-agent run` uses without --config: no camera needed. The
 * `files` source replays the sample images of agent/models/sample-images.json, fetched like
 * models into `<dataDir>/demo-images` (from ../shared/images beside the package first when that
 * mirror exists, else from their public URLs) and checked against their sha256; the person model
 * is pulled from ../shared/models when that mirror exists, else from its manifest's sources.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type LogLevel } from '../log/logger.js';
import { openModelStore } from '../models/model-store.js';
import { ensureSampleImages } from '../models/sample-images.js';
import { cliErrors } from './errors.js';
import { loadForCommand, type ConfigFlags } from './load-for-command.js';

/**
 * The folder holding the package's package.json, found by walking up: this module runs from
 * agent/cli/ in a checkout and from the esbuild bundle under dist/ when built, and a fixed `../..`
 * pointed into dist/ there (so the compiled demo found no images).
 */
function packageRootOf(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return at;
    if (dirname(at) === at) return dir;
  }
}

const packageRoot = packageRootOf(dirname(fileURLToPath(import.meta.url)));

/** The mirrors the demo uses when they exist: ../shared beside the package (this repository's setup). */
export const demoDefaults = Object.freeze({
  imagesDir: join(packageRoot, '..', 'shared', 'images'),
  mirrorDir: join(packageRoot, '..', 'shared', 'models'),
});

/** The demo's one model. */
export const demoModelId = 'person-yolox-192';

/** The demo configuration over a folder of images, as a config document (the file layer of the merge). */
export function demoConfig(imagesDir: string, modelMirror: string | undefined = existsSync(demoDefaults.mirrorDir) ? demoDefaults.mirrorDir : undefined, loop = true): Record<string, unknown> {
  if (!existsSync(imagesDir)) {
    throw cliErrors.EDGE_CLI_USAGE(`Expected a folder of sample images for the demo at ${imagesDir} but there is none; pass --demo-images DIR (your own .jpg/.png files), or run with --config FILE`, { imagesDir });
  }
  const doc: Record<string, unknown> = {
    cameras: [
      {
        name: 'demo',
        source: { type: 'files', path: imagesDir, loop, fps: 5 },
        targetFps: 5,
        models: [{ id: demoModelId, threshold: 0.5, report: { policy: 'every' } }],
      },
    ],
  };
  if (modelMirror !== undefined) doc['models'] = { mirror: modelMirror };
  return doc;
}

/** What `run` passes to the demo: its configuration flags and --demo-images, --log-level. */
export interface DemoFlags extends ConfigFlags {
  /** A folder of the user's own images, or an http(s) base URL serving the manifest's files. */
  demoImages?: string | undefined;
  logLevel?: string | undefined;
  /** Plays each image once instead of looping, so `run --exit-when-done` ends the demo. */
  exitWhenDone?: boolean | undefined;
}

/** True for the http(s) base-URL form of --demo-images. */
function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/**
 * The demo configuration, with its images and model in place: the sample images verified in
 * `<dataDir>/demo-images` (or the user's folder from --demo-images DIR), and the person model
 * pulled from its sources when no mirror is configured. Throws EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE
 * (exit 6) when the images cannot be had, saying which URLs to fetch into which folder.
 */
export async function prepareDemo(flags: DemoFlags): Promise<Record<string, unknown>> {
  // The data directory, the model store and the log level as run will see them (flags, environment, profile).
  const { config } = loadForCommand(flags, {
    document: { values: {}, label: 'the built-in demo configuration' },
    flags: flags.logLevel === undefined ? {} : { logLevel: flags.logLevel as LogLevel },
  });
  const logger = createLogger(config.logLevel, { deviceId: config.deviceId }).child({ part: 'demo' });
  let imagesDir: string;
  if (flags.demoImages !== undefined && !isUrl(flags.demoImages)) {
    imagesDir = flags.demoImages;
  } else {
    // A base URL given on the command line is the route the user chose: the ../shared mirror is skipped.
    const cacheDir = join(config.dataDir, 'demo-images');
    const got = await ensureSampleImages({
      cacheDir,
      mirrorDir: flags.demoImages === undefined && existsSync(demoDefaults.imagesDir) ? demoDefaults.imagesDir : undefined,
      baseUrl: flags.demoImages,
      logger,
    });
    imagesDir = got.dir;
  }
  const mirror = config.models.mirror ?? (existsSync(demoDefaults.mirrorDir) ? demoDefaults.mirrorDir : undefined);
  if (mirror === undefined) {
    // run itself pulls only from a mirror; the demo, meant to work on a fresh clone, also pulls from the manifest's sources.
    const store = openModelStore({ modelDir: config.models.dir ?? join(config.dataDir, 'models'), logger });
    if ((await store.verify(demoModelId)).state !== 'ok') await store.pull(demoModelId);
  }
  return demoConfig(imagesDir, config.models.mirror === undefined ? mirror : undefined, flags.exitWhenDone !== true);
}
