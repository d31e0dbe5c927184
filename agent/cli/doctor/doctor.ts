/**
 * `edge-agent doctor`: what board this is, which profile applies and why, the device id and its
 * origin, which cameras are reachable, whether each configured model is pulled and verified,
 * whether the native modules load, the data directory takes a file, the broker answers, free
 * disk and memory, and for each problem the fix. It loads the configuration exactly as `run`
 * does, so the folders it checks and names in fixes are the ones `run` will use. Every input the
 * checks read (board files, /dev, PATH, module loading, the nucleus's variables) is injectable.
 */
import { AgentError, describeError } from '../../errors/agent-error.js';
import { greengrassEnvironment, type GreengrassEnvironment } from '../../config/environment.js';
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from '../../config/load-config.js';
import type { DeviceIdSource } from '../../config/device-identity.js';
import { silentLogger } from '../../log/logger.js';
import type { ProfileSource } from '../../profiles/choose-profile.js';
import { describeBoard, detectBoard, type BoardInfo } from '../../profiles/detect-board.js';
import { cameraChecks, inventoryCheck, takeCameraInventory } from './doctor-cameras.js';
import type { DoctorCheck } from './doctor-check.js';
import { availableMemoryBytes, dataDirCheck, diskCheck, memoryCheck, nativeModuleChecks, type ModuleImporter } from './doctor-system.js';
import { nativeModuleImporter } from './native-importer.js';
import { identityCheck } from './doctor-identity.js';
import { modelChecks } from './doctor-models.js';
import { publishCheck } from './doctor-publish.js';
import { modelStoreFor } from '../load-for-command.js';
import { MQTT_311_FIX, MQTT_311_WARNING, refusalsUnseen } from '../mqtt311-warning.js';

export type { DoctorCheck, CheckStatus } from './doctor-check.js';

/** Where doctor looks; defaults are the real machine's. */
export interface DoctorOptions {
  /** How to load the config (file, profile flag, environment, flags, board paths, profiles dir). */
  load: LoadConfigOptions;
  /** PATH directories (from agent/config/environment.ts). */
  searchPath: readonly string[];
  /** Where video devices appear; default /dev. */
  devDir?: string;
  /** Default /proc/meminfo. */
  meminfoPath?: string;
  /** Default: dynamic import(). */
  importer?: ModuleImporter;
  /** Free bytes of a directory's file system; default statfs. */
  freeDiskBytes?: (dir: string) => number;
  /** Default process.platform. */
  platform?: string;
  /** The nucleus's variables (the greengrass transport's socket); default this process's. */
  greengrass?: GreengrassEnvironment;
  /** How long the broker's TCP port may take to answer; default 3000 ms. */
  brokerTimeoutMs?: number;
}

/** Everything doctor found; `problems` > 0 means a non-zero exit. */
export interface DoctorReport {
  board: string;
  profile: { id: string; source: ProfileSource; reason: string } | null;
  configFile: string | null;
  /** The deviceId run would use and where it came from (null when the config did not load). */
  deviceId: string | null;
  deviceIdSource: DeviceIdSource | null;
  /** The data directory and model directory run would use. */
  dataDir: string | null;
  modelDir: string | null;
  checks: DoctorCheck[];
  problems: number;
  /** True when the config itself is invalid (exit status `config` rather than `environment`). */
  configInvalid: boolean;
}

function tryLoad(options: LoadConfigOptions): { loaded: LoadedConfig } | { error: unknown } {
  try {
    return { loaded: loadConfig(options) };
  } catch (error) {
    return { error };
  }
}

/** Runs every check; never throws for what it finds (a broken config is a finding too). */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const arch = options.load.arch ?? process.arch;
  let configInvalid = false;
  let attempt = tryLoad(options.load);
  if ('error' in attempt) {
    const err = attempt.error;
    configInvalid = true;
    checks.push({
      name: 'config',
      status: 'problem',
      detail: err instanceof AgentError ? `${err.message} [${err.code}]` : describeError(err),
      fix: 'correct the value named above; docs/configuration.md lists every key and variable',
    });
    // Carry on with defaults and the detected profile, so the other checks still run.
    attempt = tryLoad({ boardPaths: options.load.boardPaths, profilesDir: options.load.profilesDir, arch, env: {}, hostname: options.load.hostname, identityPaths: options.load.identityPaths });
  } else {
    const file = attempt.loaded.file;
    const named = attempt.loaded.fileSource === 'environment' ? ' (from EDGE_AGENT_CONFIG)' : attempt.loaded.fileSource === 'default' ? ' (the default path)' : '';
    checks.push({ name: 'config', status: 'ok', detail: file === undefined ? 'no config file; defaults, device profile and EDGE_AGENT_* variables' : `${file}${named} is valid` });
  }
  const loaded = 'loaded' in attempt ? attempt.loaded : undefined;
  const board: BoardInfo = loaded?.board ?? detectBoard(options.load.boardPaths, arch);
  checks.push({ name: 'board', status: 'ok', detail: describeBoard(board) });
  if (loaded) {
    checks.push({ name: 'profile', status: 'ok', detail: `${loaded.profile.profile.id}: ${loaded.profile.reason}` });
  } else if ('error' in attempt) {
    checks.push({ name: 'profile', status: 'problem', detail: describeError(attempt.error), fix: 'repair or restore the files in device-profiles/' });
  }

  // Checks of what the config names are only meaningful for the config the user wrote.
  const valid = configInvalid ? undefined : loaded;
  const where = loaded?.file ?? 'the config file (or its EDGE_AGENT_* variable)';
  const command = (args: string): string => `edge-agent ${args}${selectingFlags(loaded, options.load)}`;
  if (valid) checks.push(identityCheck(valid, where));

  const inventory = await takeCameraInventory(options.devDir ?? '/dev', options.searchPath);
  checks.push(inventoryCheck(inventory));
  if (loaded) checks.push(...cameraChecks(loaded.config, inventory, options.searchPath));

  const importer: ModuleImporter = options.importer ?? nativeModuleImporter;
  checks.push(...(await nativeModuleChecks(importer, loaded?.config, options.platform ?? process.platform, arch)));

  if (valid) checks.push(...(await storeChecks(valid, command)));

  if (loaded) {
    const dataDir = loaded.config.dataDir;
    checks.push(dataDirCheck(dataDir, `make ${dataDir} writable by the agent's user (\`sudo chown -R $(id -un) ${dataDir}\`), or choose another with --data-dir or dataDir in ${where}`));
    checks.push(diskCheck(dataDir, loaded.config.outbox.minFreeDiskBytes, options.freeDiskBytes));
    checks.push(memoryCheck(availableMemoryBytes(options.meminfoPath ?? '/proc/meminfo'), loaded.config.memoryBudgetBytes));
  }
  if (valid) checks.push(await publishCheck(valid.config, options.greengrass ?? greengrassEnvironment(), where, options.brokerTimeoutMs ?? 3000));
  if (valid && refusalsUnseen(valid.config)) checks.push({ name: 'broker refusals', status: 'warn', detail: MQTT_311_WARNING, fix: MQTT_311_FIX });

  return {
    board: describeBoard(board),
    profile: loaded ? { id: loaded.profile.profile.id, source: loaded.profile.source, reason: loaded.profile.reason } : null,
    configFile: loaded?.file ?? options.load.file ?? null,
    deviceId: valid?.identity.deviceId ?? null,
    deviceIdSource: valid?.identity.source ?? null,
    dataDir: valid?.config.dataDir ?? null,
    modelDir: valid?.config.models.dir ?? null,
    checks,
    problems: checks.filter((c) => c.status === 'problem').length,
    configInvalid,
  };
}

/** The model checks against the store run would open; a store that cannot open is itself a problem. */
async function storeChecks(loaded: LoadedConfig, command: (args: string) => string): Promise<DoctorCheck[]> {
  try {
    return await modelChecks(loaded.config, modelStoreFor(loaded.config, silentLogger()), command);
  } catch (err) {
    const detail = err instanceof AgentError ? `${err.message} [${err.code}]` : describeError(err);
    return [{ name: 'models', status: 'problem', detail: `the model store in ${loaded.config.models.dir ?? ''} cannot be opened: ${detail}`, fix: 'repair or remove the manifest named above' }];
  }
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The flags that make another command read this same configuration (the fixes quote them). */
function selectingFlags(loaded: LoadedConfig | undefined, load: LoadConfigOptions): string {
  const parts: string[] = [];
  const file = loaded?.file ?? load.file;
  if (file !== undefined) parts.push('--config', shellWord(file));
  if (load.flags?.dataDir !== undefined) parts.push('--data-dir', shellWord(load.flags.dataDir));
  if (load.flags?.models?.dir !== undefined) parts.push('--model-dir', shellWord(load.flags.models.dir));
  if (load.flags?.models?.mirror !== undefined) parts.push('--from', shellWord(load.flags.models.mirror));
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}

const marks: Readonly<Record<DoctorCheck['status'], string>> = { ok: 'ok     ', warn: 'warn   ', problem: 'PROBLEM' };

/** The report as lines for a person at the shell. */
export function renderDoctorText(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${marks[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.fix !== undefined && c.status !== 'ok') lines.push(`${' '.repeat(9)}${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('');
  lines.push(report.problems === 0 ? `No problems found${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}.` : `${report.problems} problem${report.problems === 1 ? '' : 's'} found.`);
  return `${lines.join('\n')}\n`;
}
