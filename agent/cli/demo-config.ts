/**
 * The built-in demo configuration `edge-agent run` uses without --config: no camera and no
 * network needed. The `files` source replays sample images, the person model is pulled from a
 * mirror when one is beside the package (../shared/models in this repository's setup).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliErrors } from './errors.js';

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

/** Where the demo looks for images and models when not told. */
export const demoDefaults = Object.freeze({
  imagesDir: join(packageRoot, '..', 'shared', 'images'),
  mirrorDir: join(packageRoot, '..', 'shared', 'models'),
});

/** The demo configuration as a config document (the file layer of the merge). */
export function demoConfig(imagesDir: string = demoDefaults.imagesDir): Record<string, unknown> {
  if (!existsSync(imagesDir)) {
    throw cliErrors.EDGE_CLI_USAGE(`Expected a folder of sample images for the demo at ${imagesDir} but there is none; pass --demo-images DIR, or run with --config FILE`, { imagesDir });
  }
  const doc: Record<string, unknown> = {
    cameras: [
      {
        name: 'demo',
        source: { type: 'files', path: imagesDir, loop: true, fps: 5 },
        targetFps: 5,
        models: [{ id: 'person-yolox-192', threshold: 0.5, report: { policy: 'every' } }],
      },
    ],
  };
  if (existsSync(demoDefaults.mirrorDir)) doc['models'] = { mirror: demoDefaults.mirrorDir };
  return doc;
}
