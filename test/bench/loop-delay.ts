/**
 * Event-loop delay of the whole agent: the compiled bundle (as deploy/edge-agent.service starts
 * it) with two models (person-yolox-192 and face-yunet-2023mar) on a `files` source at 20
 * frames/s, every result kept, read from its own /metrics
 * (`edge_agent_nodejs_eventloop_lag_p99_seconds`, which prom-client resets at each scrape, so the
 * scrape at the start of a window empties it and the one at its end covers exactly the window).
 * Cases alternate the fsync shim (test/bench/slow-fsync.ts) on and off, and the intra-op thread
 * setting, within each round. Target (issue 17): the slowed disk's p99 within 5 ms of the fast disk's.
 * With `--cpu-prof` each agent writes a CPU profile of its main thread (cpu-profile-summary.ts
 * reads it: where the time went, and what ran inside the long stretches that hold the loop).
 * Run alone: node --import tsx test/bench/loop-delay.ts [seconds] [rounds] [--cpu-prof] [--threads=1,0] [--delays=0,20]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist } from '../../deploy/build/build-dist.js';
import { repoRoot, sharedModels } from '../helpers/shared.js';
import { summarizeCpuProfile, type CpuProfileSummary } from './cpu-profile-summary.js';
import { makeFrames } from './frames.js';
import { buildSlowFsyncShim, slowFsyncEnv } from './slow-fsync.js';
import { AGENT_ENV } from './loop.js';
import { benchArgs } from './args.js';

/** One case: a disk speed and an intra-op thread setting. */
export interface LoopDelayCase {
  fsyncDelayMs: number;
  intraOpThreads: number;
}

/** What one case measured over its window. */
export interface LoopDelayResult extends LoopDelayCase {
  round: number;
  seconds: number;
  p99Ms: number;
  p90Ms: number;
  maxMs: number;
  meanMs: number;
  /** Frames inferred per second, per model. */
  personFps: number;
  faceFps: number;
  keptPerSecond: number;
  /** Process CPU (every thread) per frame of the person model, ms. */
  cpuMsPerFrame: number;
  rssMb: number;
  loadAverage: number;
  profile: CpuProfileSummary | null;
}

/** Options of the benchmark. */
export interface LoopDelayOptions {
  seconds?: number;
  warmUpSeconds?: number;
  rounds?: number;
  threads?: number[];
  delays?: number[];
  cpuProf?: boolean;
}

const frameRate = 20;

function metric(text: string, name: string, labels = ''): number {
  const escaped = `${name}${labels}`.replace(/[{}"=.]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** User + system CPU of a process, in ms. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function rssMbOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}

async function scrape(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

async function runCase(dir: string, dist: string, shim: string, c: LoopDelayCase, round: number, o: Required<LoopDelayOptions>): Promise<LoopDelayResult> {
  const caseDir = mkdtempSync(join(dir, 'case-'));
  const config = join(caseDir, 'agent.yaml');
  const models = ['person-yolox-192', 'face-yunet-2023mar'].map((id) => `{ id: ${id}, threshold: 0.5, report: { policy: every } }`).join(', ');
  writeFileSync(config, `deviceId: bench\ndataDir: ${join(caseDir, 'data')}\nlogLevel: warn\nmodels: { mirror: ${sharedModels} }\ninference: { intraOpThreads: ${c.intraOpThreads} }\nhealth: { port: 0 }\ncameras:\n  - name: bench\n    source: { type: files, path: ${join(dir, 'frames')}, fps: ${frameRate}, loop: true }\n    targetFps: ${frameRate}\n    models: [${models}]\n`);
  const profDir = join(caseDir, 'prof');
  const nodeArgs = ['--optimize-for-size', ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), join(dist, 'agent', 'cli', 'main.js'), 'run', '--config', config, '--no-status', '--log-level', 'info'];
  const env = { ...slowFsyncEnv(shim, c.fsyncDelayMs), ...AGENT_ENV };
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /"port":(\d+),"msg":"health endpoint listening"/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`agent exited: ${stderr.slice(-2000)}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const pid = child.pid as number;
    await new Promise((r) => setTimeout(r, o.warmUpSeconds * 1000));
    const before = await scrape(base);
    const cpu0 = cpuMsOf(pid);
    const t0 = performance.now();
    const loadAverage = loadavg()[0] ?? 0;
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const after = await scrape(base);
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = cpuMsOf(pid) - cpu0;
    const count = (text: string, model: string) => metric(text, 'edge_agent_inference_duration_seconds_count', `{model="${model}"}`);
    const person = count(after, 'person-yolox-192') - count(before, 'person-yolox-192');
    const face = count(after, 'face-yunet-2023mar') - count(before, 'face-yunet-2023mar');
    const kept = (text: string) => {
      let sum = 0;
      for (const m of text.matchAll(/^edge_agent_results_kept_total\{[^}]*\} ([0-9.e+-]+)$/gm)) sum += Number(m[1]);
      return sum;
    };
    const result: LoopDelayResult = {
      ...c,
      round,
      seconds,
      p99Ms: metric(after, 'edge_agent_nodejs_eventloop_lag_p99_seconds') * 1000,
      p90Ms: metric(after, 'edge_agent_nodejs_eventloop_lag_p90_seconds') * 1000,
      maxMs: metric(after, 'edge_agent_nodejs_eventloop_lag_max_seconds') * 1000,
      meanMs: metric(after, 'edge_agent_nodejs_eventloop_lag_mean_seconds') * 1000,
      personFps: person / seconds,
      faceFps: face / seconds,
      keptPerSecond: (kept(after) - kept(before)) / seconds,
      cpuMsPerFrame: person > 0 ? cpuMs / person : NaN,
      rssMb: rssMbOf(pid),
      loadAverage,
      profile: null,
    };
    child.kill('SIGTERM');
    await exited;
    if (o.cpuProf) {
      const main = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => a.localeCompare(b))[0];
      if (main !== undefined) result.profile = summarizeCpuProfile(join(profDir, main));
    }
    return result;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(caseDir, { recursive: true, force: true });
  }
}

/** Runs every case, alternating within each round (forwards, then backwards in the next). */
export async function runLoopDelayBench(options: LoopDelayOptions = {}): Promise<LoopDelayResult[]> {
  const o: Required<LoopDelayOptions> = { seconds: 30, warmUpSeconds: 10, rounds: 2, threads: [1, 0], delays: [0, 20], cpuProf: false, ...options };
  const dir = mkdtempSync(join(tmpdir(), 'edge-loop-delay-'));
  try {
    const frames = await makeFrames(24);
    mkdirSync(join(dir, 'frames'));
    frames.forEach((f, i) => writeFileSync(join(dir, 'frames', `f${String(i).padStart(3, '0')}.jpg`), f));
    // Its own folder (the loop benchmark rebuilds .bench-dist and may run at the same time), inside
    // the checkout so the bundle finds node_modules as an install would, and ignored by git.
    const dist = join(repoRoot, 'node_modules', '.cache', 'edge-agent-loop-delay');
    buildDist(repoRoot, dist);
    const shim = buildSlowFsyncShim();
    const cases: LoopDelayCase[] = [];
    for (const intraOpThreads of o.threads) for (const fsyncDelayMs of o.delays) cases.push({ fsyncDelayMs, intraOpThreads });
    const results: LoopDelayResult[] = [];
    for (let round = 0; round < o.rounds; round += 1) {
      for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
        const r = await runCase(dir, dist, shim, c, round + 1, o);
        console.error(`  ${formatRow(r)}`);
        results.push(r);
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatRow(r: LoopDelayResult): string {
  return `| ${r.round} | ${r.intraOpThreads} | ${r.fsyncDelayMs} | ${r.p99Ms.toFixed(1)} | ${r.p90Ms.toFixed(1)} | ${r.maxMs.toFixed(1)} | ${r.meanMs.toFixed(1)} | ${r.personFps.toFixed(1)} | ${r.faceFps.toFixed(1)} | ${r.keptPerSecond.toFixed(1)} | ${r.cpuMsPerFrame.toFixed(1)} | ${r.rssMb} | ${r.loadAverage.toFixed(1)} |`;
}

/** A markdown table of the cases, then the slowed disk's p99 minus the fast disk's per round and thread setting. */
export function formatLoopDelayBench(results: readonly LoopDelayResult[]): string {
  const lines = [
    '| round | intra-op threads | fsync + ms | p99 ms | p90 ms | max ms | mean ms | person frames/s | face frames/s | kept/s | CPU ms/frame | RSS MB | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(formatRow),
  ];
  for (const r of results) {
    if (r.fsyncDelayMs === 0) continue;
    const fast = results.find((f) => f.round === r.round && f.intraOpThreads === r.intraOpThreads && f.fsyncDelayMs === 0);
    if (fast !== undefined) lines.push(`round ${r.round}, ${r.intraOpThreads} threads: p99 with fsync +${r.fsyncDelayMs} ms minus fast disk = ${(r.p99Ms - fast.p99Ms).toFixed(1)} ms (target <= 5)`);
  }
  for (const r of results) {
    if (r.profile === null) continue;
    lines.push('', `profile, round ${r.round}, ${r.intraOpThreads} threads, fsync +${r.fsyncDelayMs} ms:`, r.profile.text);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { numbers, list, has } = benchArgs(process.argv.slice(2));
  const threads = list('threads');
  const delays = list('delays');
  const results = await runLoopDelayBench({
    ...(numbers[0] === undefined ? {} : { seconds: numbers[0] }),
    ...(numbers[1] === undefined ? {} : { rounds: numbers[1] }),
    ...(threads === undefined ? {} : { threads }),
    ...(delays === undefined ? {} : { delays }),
    cpuProf: has('cpu-prof'),
  });
  console.log(formatLoopDelayBench(results));
}
