/**
 * `edge-agent doctor`: what board this is, which profile applies and why, which cameras are
 * reachable, whether the native modules load, free disk and memory, and for each problem the fix.
 * Every input the checks read (board files, /dev, PATH, module loading) is injectable for tests.
 */
import { AgentError, describeError } from '../../errors/agent-error.js';
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from '../../config/load-config.js';
import type { ProfileSource } from '../../profiles/choose-profile.js';
import { describeBoard, detectBoard, type BoardInfo } from '../../profiles/detect-board.js';
import { cameraChecks, inventoryCheck, takeCameraInventory } from './doctor-cameras.js';
import type { DoctorCheck } from './doctor-check.js';
import { availableMemoryBytes, diskCheck, memoryCheck, nativeModuleChecks, type ModuleImporter } from './doctor-system.js';

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
}

/** Everything doctor found; `problems` > 0 means a non-zero exit. */
export interface DoctorReport {
  board: string;
  profile: { id: string; source: ProfileSource; reason: string } | null;
  configFile: string | null;
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
    attempt = tryLoad({ boardPaths: options.load.boardPaths, profilesDir: options.load.profilesDir, arch, env: {}, hostname: options.load.hostname });
  } else {
    const file = attempt.loaded.file;
    checks.push({ name: 'config', status: 'ok', detail: file === undefined ? 'no config file; defaults, device profile and EDGE_AGENT_* variables' : `${file} is valid` });
  }
  const loaded = 'loaded' in attempt ? attempt.loaded : undefined;
  const board: BoardInfo = loaded?.board ?? detectBoard(options.load.boardPaths, arch);
  checks.push({ name: 'board', status: 'ok', detail: describeBoard(board) });
  if (loaded) {
    checks.push({ name: 'profile', status: 'ok', detail: `${loaded.profile.profile.id}: ${loaded.profile.reason}` });
  } else if ('error' in attempt) {
    checks.push({ name: 'profile', status: 'problem', detail: describeError(attempt.error), fix: 'repair or restore the files in device-profiles/' });
  }

  const inventory = await takeCameraInventory(options.devDir ?? '/dev', options.searchPath);
  checks.push(inventoryCheck(inventory));
  if (loaded) checks.push(...cameraChecks(loaded.config, inventory, options.searchPath));

  const importer: ModuleImporter = options.importer ?? ((specifier) => import(specifier));
  checks.push(...(await nativeModuleChecks(importer, loaded?.config, options.platform ?? process.platform, arch)));

  if (loaded) {
    checks.push(diskCheck(loaded.config.dataDir, loaded.config.outbox.minFreeDiskBytes, options.freeDiskBytes));
    checks.push(memoryCheck(availableMemoryBytes(options.meminfoPath ?? '/proc/meminfo'), loaded.config.memoryBudgetBytes));
  }

  return {
    board: describeBoard(board),
    profile: loaded ? { id: loaded.profile.profile.id, source: loaded.profile.source, reason: loaded.profile.reason } : null,
    configFile: loaded?.file ?? options.load.file ?? null,
    checks,
    problems: checks.filter((c) => c.status === 'problem').length,
    configInvalid,
  };
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
