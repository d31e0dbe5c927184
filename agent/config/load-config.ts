/**
 * Loads the configuration: defaults < device profile < file < environment < command-line flags,
 * each layer checked on its own so a mistake names the file, variable or flag that made it, then
 * merged, defaulted, cross-checked and deep-frozen. Synchronous: it runs once at start, before
 * anything else can usefully happen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describeError } from '../errors/agent-error.js';
import { chooseProfile, type ProfileChoice, type ProfileRequest } from '../profiles/choose-profile.js';
import { detectBoard, type BoardInfo, type BoardPaths } from '../profiles/detect-board.js';
import { defaultProfilesDir, loadDeviceProfiles } from '../profiles/device-profile.js';
import { crossCheck } from './cross-checks.js';
import { resolveDeviceIdentity, type DeviceIdentity, type IdentityPaths } from './device-identity.js';
import { defaultDataDir, greengrassEnvironment, processEnvironment } from './environment.js';
import { CONFIG_FILE_VARIABLE, environmentLayer, envVariableName } from './env-layer.js';
import { configErrors } from './errors.js';
import { deepFreeze, mergeLayers, orderLikeSchema } from './merge.js';
import type { SchemaProblem } from '../errors/schema-errors.js';
import { configSchema, type AgentConfig } from './schema.js';
import type { DeepPartial } from './schema-type.js';
import type { SchemaNode } from './schema-walk.js';
import { checkLayer, checkMerged } from './validate.js';

/** What the caller knows; everything is optional (no file means defaults, profile and overrides only). */
export interface LoadConfigOptions {
  /** The YAML config file (--config); else EDGE_AGENT_CONFIG; else `defaultFile` when it exists; else none. */
  file?: string | undefined;
  /** Read when neither `file` nor EDGE_AGENT_CONFIG names a file and this one exists (the CLI passes DEFAULT_CONFIG_FILE). */
  defaultFile?: string | undefined;
  /** A profile id from --profile; beats EDGE_AGENT_PROFILE and the file's `profile` key. */
  profile?: string | undefined;
  /** The process environment; defaults to this process's. Only EDGE_AGENT_*, STATE_DIRECTORY, XDG_DATA_HOME and AWS_IOT_THING_NAME are read. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** A built-in configuration used in the file's place when no file is given (the demo); `label` names it in errors. */
  document?: { values: Record<string, unknown>; label: string } | undefined;
  /** Values from command-line flags, shaped like the config; undefined values are ignored. */
  flags?: DeepPartial<AgentConfig> | undefined;
  /** Where device profiles live (tests point this at their own). */
  profilesDir?: string | undefined;
  /** Board files to read (tests describe a board with their own files). */
  boardPaths?: Partial<BoardPaths> | undefined;
  /** CPU architecture as process.arch names it; defaults to this process's. */
  arch?: string | undefined;
  /** Host name for the default deviceId; defaults to os.hostname(). */
  hostname?: string | undefined;
  /** Serial-number and machine-id files for the default deviceId (tests give their own). */
  identityPaths?: Partial<IdentityPaths> | undefined;
}

/** Where the installer (deploy/install.sh) writes the configuration; read by the CLI when nothing else names a file. */
export const DEFAULT_CONFIG_FILE = '/etc/edge-agent/config.yaml';

/** Which config file was read and who named it. */
export type ConfigFileSource = 'flag' | 'environment' | 'default';

/** The config file a command reads: --config, else EDGE_AGENT_CONFIG, else `defaultFile` if it exists. */
export function configFileFor(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  defaultFile: string | undefined,
): { file: string; source: ConfigFileSource } | undefined {
  if (flag !== undefined) return { file: flag, source: 'flag' };
  const named = env[CONFIG_FILE_VARIABLE];
  if (named !== undefined && named !== '') return { file: named, source: 'environment' };
  if (defaultFile !== undefined && existsSync(defaultFile)) return { file: defaultFile, source: 'default' };
  return undefined;
}

/** The loaded config and how it came to be. */
export interface LoadedConfig {
  config: AgentConfig;
  /** The device profile used and why it was chosen. */
  profile: ProfileChoice;
  board: BoardInfo;
  /** The config file read, if any. */
  file: string | undefined;
  /** Who named that file (undefined with no file). */
  fileSource: ConfigFileSource | undefined;
  /** The deviceId and where it came from (`config` when a layer set it). */
  identity: DeviceIdentity;
}

type Layer = { name: string; values: Record<string, unknown>; label: (path: string) => string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]));
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'ENOENT' ? '; check the path given to --config or EDGE_AGENT_CONFIG' : code === 'EACCES' ? '; make it readable by the agent\'s user' : '';
    throw configErrors.EDGE_CONFIG_FILE_UNREADABLE(`Expected a readable config file at ${file} but: ${describeError(err)}${fix}`, { file, code }, err);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    // yaml quotes the offending source line after "line L, column C:"; that line may hold a password.
    throw configErrors.EDGE_CONFIG_YAML_INVALID(`Expected valid YAML in ${file} but: ${describeError(err).split(':\n')[0] ?? ''}`, { file });
  }
  if (doc === null || doc === undefined) return {};
  if (!isObject(doc)) {
    const got = Array.isArray(doc) ? 'a list' : `${JSON.stringify(doc)} of type ${typeof doc}`;
    throw configErrors.EDGE_CONFIG_YAML_INVALID(`Expected a mapping of keys at the top of ${file} but received ${got}`, { file });
  }
  return doc;
}

function segments(path: string): string[] {
  return path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '');
}

function has(values: unknown, path: string): boolean {
  let cur: unknown = values;
  for (const seg of segments(path)) {
    if (cur === null || typeof cur !== 'object' || !(seg in cur)) return false;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return true;
}

function fail(problems: readonly (SchemaProblem & { where: string })[]): never {
  const lines = problems.map((p) => `${p.message} (${p.where})`);
  const message = lines.length === 1 ? (lines[0] as string) : `Invalid configuration, ${lines.length} problems:\n  - ${lines.join('\n  - ')}`;
  throw configErrors.EDGE_CONFIG_INVALID(message, { problems: problems.map((p) => ({ ...p })) });
}

/** Loads, merges, validates and freezes the configuration; throws EDGE_CONFIG_* or EDGE_PROFILE_* errors. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? processEnvironment();
  const envLayer = environmentLayer(env);
  const named = configFileFor(options.file, env, options.defaultFile);
  const file = named?.file;
  const fileValues = file === undefined ? (options.document?.values ?? {}) : readConfigFile(file);
  const fileLabel = file ?? options.document?.label ?? 'the config file';
  const flagValues = withoutUndefined(options.flags ?? {}) as Record<string, unknown>;

  const envProblems = checkLayer(envLayer.layer).map((p) => ({ ...p, where: `from ${envLayer.variableFor.get(p.path) ?? envVariableName(segments(p.path))}` }));
  if (envProblems.length > 0) {
    throw configErrors.EDGE_CONFIG_ENV_INVALID(envProblems.map((p) => `${p.message} (${p.where})`).join('; '), { problems: envProblems });
  }
  const layerProblems = [
    ...checkLayer(fileValues).map((p) => ({ ...p, where: `in ${fileLabel}` })),
    ...checkLayer(flagValues).map((p) => ({ ...p, where: 'from command-line flags' })),
  ];
  if (layerProblems.length > 0) fail(layerProblems);

  const request = profileRequest(options.profile, flagValues, envLayer.layer, fileValues, file);
  const board = detectBoard(options.boardPaths, options.arch);
  const choice = chooseProfile(loadDeviceProfiles(options.profilesDir ?? defaultProfilesDir), board, request);
  // A profile is a config layer: checked like the others, naming its file (profiles/ only checks the file's own shape).
  const profileProblems = checkLayer(choice.profile.config).map((p) => ({ ...p, where: `in device profile ${choice.profile.file}` }));
  if (profileProblems.length > 0) fail(profileProblems);

  const layers: Layer[] = [
    { name: 'profile', values: choice.profile.config, label: () => `from device profile ${choice.profile.file}` },
    { name: 'file', values: fileValues, label: () => `in ${fileLabel}` },
    { name: 'environment', values: envLayer.layer, label: (p) => `from ${envLayer.variableFor.get(p) ?? 'the environment'}` },
    { name: 'flags', values: flagValues, label: () => 'from command-line flags' },
  ];
  let merged: Record<string, unknown> = {};
  for (const layer of layers) merged = mergeLayers(merged, layer.values);
  merged['profile'] = choice.profile.id;
  const where = (path: string): string => {
    for (const layer of [...layers].reverse()) if (has(layer.values, path)) return layer.label(path);
    return 'in the merged configuration';
  };
  const identity: DeviceIdentity =
    typeof merged['deviceId'] === 'string'
      ? { deviceId: merged['deviceId'], source: 'config', from: where('deviceId') }
      : resolveDeviceIdentity({ hostname: options.hostname ?? hostname(), thingName: greengrassEnvironment(env).thingName, paths: options.identityPaths });
  applyRuntimeDefaults(merged, env, identity.deviceId);

  const problems = checkMerged(merged);
  if (problems.length > 0) fail(problems.map((p) => ({ ...p, where: where(p.path) })));
  const config = orderLikeSchema(merged, configSchema as SchemaNode) as AgentConfig;
  const cross = crossCheck(config);
  if (cross.length > 0) fail(cross.map((p) => ({ ...p, where: where(p.path.replace(/\.[^.[]+$/, '')) })));
  return { config: deepFreeze(config), profile: choice, board, file, fileSource: named?.source, identity };
}

function profileRequest(
  flag: string | undefined,
  flags: Record<string, unknown>,
  envValues: Record<string, unknown>,
  fileValues: Record<string, unknown>,
  file: string | undefined,
): ProfileRequest | undefined {
  const flagged = flag ?? (typeof flags['profile'] === 'string' ? flags['profile'] : undefined);
  if (flagged !== undefined) return { id: flagged, source: 'flag', origin: '--profile' };
  if (typeof envValues['profile'] === 'string') return { id: envValues['profile'], source: 'environment', origin: 'EDGE_AGENT_PROFILE' };
  if (typeof fileValues['profile'] === 'string') return { id: fileValues['profile'], source: 'file', origin: `the profile key in ${file ?? 'the config file'}` };
  return undefined;
}

/** Values that depend on the machine, filled in after merging so every layer can still override them. */
function applyRuntimeDefaults(merged: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, deviceId: string): void {
  if (merged['deviceId'] === undefined) merged['deviceId'] = deviceId;
  if (merged['dataDir'] === undefined) merged['dataDir'] = defaultDataDir(env);
  const models = isObject(merged['models']) ? merged['models'] : (merged['models'] = {});
  if (models['dir'] === undefined && typeof merged['dataDir'] === 'string') models['dir'] = join(merged['dataDir'], 'models');
  const publish = isObject(merged['publish']) ? merged['publish'] : (merged['publish'] = {});
  if (publish['clientId'] === undefined) publish['clientId'] = merged['deviceId'];
  if (publish['thingName'] === undefined) publish['thingName'] = merged['deviceId'];
}
