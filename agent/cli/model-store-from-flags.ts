/**
 * The model store of a model-reading command (`models ...`, `models quantize`): the store `run`
 * would use for the same configuration, with --model-dir, --from and --data-dir on top.
 */
import type { Logger } from '../log/logger.js';
import type { ModelStore } from '../models/model-store.js';
import { configFlagHelp, loadForCommand, modelStoreFor, type ConfigFlags } from './load-for-command.js';

/** The storage flags every model-reading command accepts. */
export type StoreFlags = Pick<ConfigFlags, 'config' | 'dataDir' | 'modelDir' | 'from'>;

/** The options --config, --data-dir, --model-dir and --from, as [flags, help] pairs. */
export function storeFlagHelp(): [string, string][] {
  return configFlagHelp.map(([flags, text]) => [flags, text]);
}

/** Builds the model store the configuration and flags describe. */
export function modelStoreFromFlags(flags: StoreFlags, logger: Logger): ModelStore {
  return modelStoreFor(loadForCommand(flags).config, logger);
}
