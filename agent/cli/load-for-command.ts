/**
 * The one way a command finds its configuration, so `run`, `doctor`, `models`, `infer` and
 * `outbox` all look in the same data directory, model store and outbox: the file from --config,
 * else EDGE_AGENT_CONFIG, else /etc/edge-agent/config.yaml when it exists; then the usual layers
 * (defaults < device profile < file < environment < flags), with --data-dir, --model-dir and
 * --from as the flag layer.
 */
import type { Command } from 'commander';
import { processEnvironment } from '../config/environment.js';
import { configFileFor, DEFAULT_CONFIG_FILE, loadConfig, type LoadConfigOptions, type LoadedConfig } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import type { DeepPartial } from '../config/schema-type.js';
import type { Logger } from '../log/logger.js';
import { openModelStore, type ModelStore } from '../models/model-store.js';

/** The configuration flags a command may accept; each one it lacks is simply undefined. */
export interface ConfigFlags {
  config?: string | undefined;
  profile?: string | undefined;
  dataDir?: string | undefined;
  modelDir?: string | undefined;
  from?: string | undefined;
}

/** What a caller (or a test) decides besides the flags. */
export interface CommandLoadOptions extends Omit<LoadConfigOptions, 'file' | 'profile' | 'defaultFile' | 'document' | 'flags'> {
  /** Read when nothing names a file and it exists; default DEFAULT_CONFIG_FILE; null for none. */
  defaultFile?: string | null | undefined;
  /** Used in the file's place when no file is named (run's demo). */
  document?: LoadConfigOptions['document'];
  /** More flag values (run's --broker and --health-port, infer's --device-id). */
  flags?: DeepPartial<AgentConfig> | undefined;
}

/** Help text of -c/--config, the same for every command. */
export const configFileHelp = `YAML configuration (default: $EDGE_AGENT_CONFIG, else ${DEFAULT_CONFIG_FILE} when it exists, else defaults and the device profile)`;

/** The four configuration options as [flags, help] pairs: --config and --data-dir, then the model store's two. */
export const configFlagHelp: readonly (readonly [string, string])[] = [
  ['-c, --config <file>', configFileHelp],
  ['--data-dir <dir>', 'where the outbox and pulled models live (overrides dataDir of the configuration)'],
  ['--model-dir <dir>', 'where pulled models live (overrides models.dir; default <data-dir>/models)'],
  ['--from <dir>', 'mirror directory laid out as <id>/<file>, used instead of the network (overrides models.mirror)'],
];

/** Adds -c/--config and --data-dir; with `models`, also --model-dir and --from. */
export function addConfigFlags(cmd: Command, which: { models?: boolean } = {}): Command {
  for (const [flags, text] of configFlagHelp.slice(0, which.models === true ? 4 : 2)) cmd.option(flags, text);
  return cmd;
}

function defaultFileOf(options: Pick<CommandLoadOptions, 'defaultFile'>): string | undefined {
  return options.defaultFile === null ? undefined : (options.defaultFile ?? DEFAULT_CONFIG_FILE);
}

/** The file the command would read and who named it, or undefined for none. */
export function commandConfigFile(flags: ConfigFlags, options: Pick<CommandLoadOptions, 'env' | 'defaultFile'> = {}): ReturnType<typeof configFileFor> {
  return configFileFor(flags.config, options.env ?? processEnvironment(), defaultFileOf(options));
}

/** The loader options for these flags; doctor loads with them itself so a broken config is a finding. */
export function commandLoadOptions(flags: ConfigFlags, options: CommandLoadOptions = {}): LoadConfigOptions {
  const { defaultFile, flags: more, ...rest } = options;
  const models = { ...more?.models, dir: flags.modelDir, mirror: flags.from };
  return {
    ...rest,
    file: flags.config,
    profile: flags.profile,
    defaultFile: defaultFileOf({ defaultFile }),
    flags: { ...more, dataDir: flags.dataDir ?? more?.dataDir, models },
  };
}

/** Loads the configuration a command works from; throws EDGE_CONFIG_* or EDGE_PROFILE_* errors. */
export function loadForCommand(flags: ConfigFlags, options: CommandLoadOptions = {}): LoadedConfig {
  return loadConfig(commandLoadOptions(flags, options));
}

/** The model store `run` would use for this configuration. */
export function modelStoreFor(config: AgentConfig, logger: Logger): ModelStore {
  return openModelStore({ modelDir: config.models.dir, mirrorDir: config.models.mirror, logger });
}
