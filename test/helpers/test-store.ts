/** A model store over a temp directory that pulls from ../shared/models, for tests. */
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { silentLogger } from '../../agent/log/logger.js';
import { sharedModels } from './shared.js';

/** A store whose model dir is `dir`, pulling from `mirrorDir` (the shared models folder by default; null for none). */
export function testStore(dir: string, mirrorDir: string | null = sharedModels): ModelStore {
  return new ModelStore({ modelDir: dir, manifestDirs: [bundledManifestDir], mirrorDir: mirrorDir ?? undefined, logger: silentLogger() });
}
