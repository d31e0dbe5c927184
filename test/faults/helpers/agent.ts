/**
 * A real agent process for the fault suite: `node bin/edge-agent.js run --config FILE` with a
 * config the scenario writes, optionally behind a wrapper command (`ip netns exec NS`, `unshare`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedImages, sharedModels } from '../../helpers/shared.js';
import { sleep, waitFor, watchLog } from './scenario.js';

/** One camera of the written config. */
export interface FaultCamera {
  name: string;
  /** Folder of images the `files` source replays in a loop. */
  path: string;
  fps: number;
}

/** What goes into the agent's config file. */
export interface FaultAgentConfig {
  /** Omitted: the agent derives one (the shared-hostname scenario). */
  deviceId?: string;
  dataDir: string;
  /** Kept outside dataDir, so a small tmpfs data dir is not filled by the model. */
  modelsDir: string;
  brokerUrl: string;
  cameras?: FaultCamera[];
  /** Address the health endpoint listens on (a veth address inside a namespace). */
  healthHost?: string;
  /** Extra `publish:` keys, as YAML flow pairs (`maxInflight: 20`). */
  publishExtra?: string[];
  /** Extra `outbox:` keys, as YAML flow pairs. */
  outboxExtra?: string[];
}

/** The default camera: every shared image, in a loop. */
export function defaultCamera(fps = 10): FaultCamera {
  return { name: 'door', path: sharedImages, fps };
}

/** Writes the config file into `dir` and returns its path. */
export function writeAgentConfig(dir: string, c: FaultAgentConfig): string {
  mkdirSync(c.dataDir, { recursive: true });
  mkdirSync(c.modelsDir, { recursive: true });
  const cameras = c.cameras ?? [defaultCamera()];
  const lines: string[] = [];
  if (c.deviceId !== undefined) lines.push(`deviceId: ${c.deviceId}`);
  lines.push(`dataDir: ${c.dataDir}`, 'logLevel: info', `models: { mirror: ${sharedModels}, dir: ${c.modelsDir} }`);
  lines.push(`health: { enabled: true, host: ${c.healthHost ?? '127.0.0.1'}, port: 0 }`);
  lines.push(`publish: { transport: mqtt, brokerUrl: '${c.brokerUrl}'${(c.publishExtra ?? []).map((e) => `, ${e}`).join('')} }`);
  if ((c.outboxExtra ?? []).length > 0) lines.push(`outbox: { ${(c.outboxExtra ?? []).join(', ')} }`);
  if (cameras.length === 0) lines.push('cameras: []');
  else lines.push('cameras:');
  for (const cam of cameras) {
    lines.push(`  - name: ${cam.name}`, `    source: { type: files, path: ${cam.path}, loop: true, fps: ${cam.fps} }`, `    targetFps: ${cam.fps}`, '    models: [{ id: person-yolox-192, threshold: 0.5 }]');
  }
  const file = join(dir, `agent-${Date.now()}-${Math.random().toString(16).slice(2, 6)}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A running (or exited) agent. */
export interface FaultAgent {
  child: ChildProcess;
  /** `http://host:port` of the health endpoint, once it listened. */
  base: string;
  /** Bytes the agent wrote to stderr (its JSON log) so far. */
  logBytes(): number;
  log(): string;
  alive(): boolean;
  /** SIGTERM, and the exit code (null when it had to be SIGKILLed after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

/** Agents started by this scenario process, to label their logs in a failure report. */
let agentsStarted = 0;

/** Starts the agent; resolves once its health endpoint listens (rejects when it exits first). */
export async function startAgent(configFile: string, wrapper: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<FaultAgent> {
  const argv = [...wrapper, process.execPath, join(repoRoot, 'bin', 'edge-agent.js'), 'run', '--no-status', '--config', configFile];
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...extraEnv } });
  let log = '';
  let bytes = 0;
  child.stderr?.on('data', (d: Buffer) => {
    bytes += d.length;
    // Keep at most 2 MB of text for matching; the byte count goes on.
    if (log.length < 2_000_000) log += d.toString();
  });
  agentsStarted += 1;
  watchLog(`agent-${agentsStarted}`, () => log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const port = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start within 120 s:\n${log.slice(-3000)}`)), 120_000);
    const look = (): void => {
      const m = /"msg":"health endpoint listening"/.test(log) ? /"host":"([^"]+)","port":(\d+),"msg":"health endpoint listening"|"port":(\d+),"msg":"health endpoint listening"/.exec(log) : null;
      if (m) {
        clearTimeout(timer);
        resolve({ host: m[1] ?? '127.0.0.1', port: Number(m[2] ?? m[3]) });
      }
    };
    child.stderr?.on('data', look);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${code ?? signal}) before its health endpoint listened:\n${log.slice(-3000)}`));
    });
  });
  return {
    child,
    base: `http://${port.host}:${port.port}`,
    logBytes: () => bytes,
    log: () => log,
    alive,
    async stop(graceMs = 20_000) {
      if (!alive()) return child.exitCode;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (done) return child.exitCode;
      child.kill('SIGKILL');
      await exited;
      return null;
    },
    async kill() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The /metrics text, or undefined when the endpoint does not answer. */
export async function metricsText(base: string): Promise<string | undefined> {
  try {
    const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
    return await r.text();
  } catch {
    return undefined;
  }
}

/** Sum of the samples of `name` whose labels contain `labels` (all when empty); 0 when absent. */
export function metricSum(text: string | undefined, name: string, labels = ''): number {
  if (text === undefined) return 0;
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) {
    if (labels === '' || (m[1] ?? '').includes(labels)) sum += Number(m[2]);
  }
  return sum;
}

/** One metric's current sum from the agent (0 when it does not answer). */
export async function metric(base: string, name: string, labels = ''): Promise<number> {
  return metricSum(await metricsText(base), name, labels);
}

/** Waits until `name` reaches `atLeast`; true when it did within `timeoutMs`. */
export async function waitForMetric(base: string, name: string, atLeast: number, timeoutMs: number): Promise<boolean> {
  return waitFor(async () => (await metric(base, name)) >= atLeast, timeoutMs, 500);
}

/** True when /healthz answers 200. */
export async function healthy(base: string): Promise<boolean> {
  try {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    return r.status === 200;
  } catch {
    return false;
  }
}
