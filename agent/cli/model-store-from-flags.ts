/**
 * Resolves where the CLI's model commands find manifests and files: flags win over environment
 * variables, which win over the default data directory.
 */
import { join } from 'node:path';
import { readEnvironment, defaultDataDir } from '../config/environment.js';
import type { Logger } from '../log/logger.js';
import { openModelStore, type ModelStore } from '../models/model-store.js';

/** The storage flags every model-reading command accepts. */
export interface StoreFlags {
  dataDir?: string;
  modelDir?: string;
  from?: string;
}

/** Adds --data-dir, --model-dir and --from to a command. */
export function storeFlagHelp(): [string, string][] {
  return [
    ['--data-dir <dir>', 'agent data directory (default: $EDGE_AGENT_DATA_DIR, /var/lib/edge-agent as root, else ~/.local/share/edge-agent)'],
    ['--model-dir <dir>', 'where pulled models live (default: <data-dir>/models, or $EDGE_AGENT_MODEL_DIR)'],
    ['--from <dir>', 'mirror directory laid out as <id>/model.onnx, used instead of the network (default: $EDGE_AGENT_MODEL_MIRROR)'],
  ];
}

/** Builds the model store the flags and environment describe. */
export function modelStoreFromFlags(flags: StoreFlags, logger: Logger): ModelStore {
  const env = readEnvironment();
  const dataDir = flags.dataDir ?? env.dataDir ?? defaultDataDir();
  const modelDir = flags.modelDir ?? env.modelDir ?? join(dataDir, 'models');
  return openModelStore({ modelDir, mirrorDir: flags.from ?? env.modelMirror, logger });
}
