/** Imports a model into a temp store with the real command code, then runs it with the agent's runner. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importModel, type ImportFlags, type ImportOutcome } from '../../../agent/cli/commands/models-import.js';
import { silentLogger } from '../../../agent/log/logger.js';
import { ModelStore } from '../../../agent/models/model-store.js';
import { bundledManifestDir } from '../../../agent/models/manifest-loader.js';
import { ModelRunner } from '../../../agent/pipeline/model-runner.js';
import type { Detection, ResultRecord } from '../../../agent/results/result-record.js';
import { sharedImage, sharedModels } from '../../helpers/shared.js';

/** The five shared images: a person in the first two, none in the rest. */
export const withPerson = ['hopper.jpg', 'astronaut.png'] as const;
/** Images with no person. */
export const withoutPerson = ['coffee.png', 'chelsea.png', 'rocket.jpg'] as const;

/** A frame from a shared image. */
export const frameOf = (name: string) => ({ source: name, seq: 0, capturedAt: new Date(), image: { kind: 'encoded' as const, data: readFileSync(sharedImage(name)) } });

/** The detections of a record (none for a classification). */
export const detectionsOf = (r: ResultRecord): Detection[] => ('detections' in r ? r.detections : []);

/** Intersection over union of two x/y/width/height boxes. */
export function boxIou(a: Detection['box'], b: Detection['box']): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
}

/** A store over `modelDir` that also knows the bundled manifests (and pulls those from the shared mirror). */
export function storeAt(modelDir: string): ModelStore {
  return new ModelStore({ modelDir, manifestDirs: [modelDir, bundledManifestDir], mirrorDir: sharedModels, logger: silentLogger() });
}

/** Flags that point the command at `dir` and at no configuration file. */
export function storeFlags(dir: string): Pick<ImportFlags, 'modelDir' | 'dataDir'> {
  return { modelDir: join(dir, 'models'), dataDir: join(dir, 'data') };
}

/** Imports `file` with `flags` into `<dir>/models`. */
export function importInto(dir: string, file: string, flags: Omit<ImportFlags, 'modelDir' | 'dataDir'> = {}): Promise<ImportOutcome> {
  return importModel(file, { ...flags, ...storeFlags(dir) }, silentLogger());
}

/** Loads model `id` from `<dir>/models` with the agent's own runner (single-threaded, as on a loaded machine). */
export function runnerFor(dir: string, id: string): Promise<ModelRunner> {
  return ModelRunner.load(storeAt(join(dir, 'models')), id, { deviceId: 'test-device', logger: silentLogger(), intraOpThreads: 1, warmUp: false });
}
