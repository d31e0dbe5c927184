/**
 * Frame-loop benchmark: the agent's camera loop on a `files` source (images replayed as fast as
 * they can be read, latest frame wins) against the inference core alone (ModelRunner.infer in a
 * tight loop on the same frames), and the agent's resident memory over a long run.
 * Targets: loop throughput >= 0.95 of the core's; RSS under 150 MB after 20,000 frames with the
 * person model and under 5 MB of growth after warm-up.
 * Run alone: node --import tsx test/bench/loop.ts [memoryFrames] [--memory-only] [--dist=<bundle dir>]
 *   [--node-flag=<flag>]... [--env=<NAME=value>]... [--no-defaults]
 * The agent runs with the unit's settings (--optimize-for-size, AGENT_ENV below); --node-flag and
 * --env add to them, --no-defaults drops them (to measure one setting at a time), --dist runs a
 * bundle built beforehand instead of building .bench-dist (to compare two builds of the agent).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesSource } from '../../agent/capture/files-source.js';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { ReadinessTracker } from '../../agent/health/readiness.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { silentLogger } from '../../agent/log/logger.js';
import { SqliteOutbox } from '../../agent/outbox/index.js';
import { CameraLoop } from '../../agent/pipeline/camera-loop.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { testStore } from '../helpers/test-store.js';
import { repoRoot, sharedModels } from '../helpers/shared.js';
import { makeFrames } from './frames.js';
import { buildDist } from '../../deploy/build/build-dist.js';
import { resultEntry } from '../../agent/publish/result-entry.js';

/** What the loop benchmark measured. */
export interface LoopBenchResult {
  coreFps: number;
  loopFps: number;
  ratio: number;
  memory: { frames: number; rssAfterWarmUpMb: number; rssEndMb: number; growthMb: number; maxRssMb: number; everyThousandMb: number[]; breakdownAfterWarmUp: string; breakdownEnd: string; framesPerSecond: number; cpuMsPerFrame: number };
}

const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

/** The node flag and environment deploy/edge-agent.service and greengrass/run.sh give the agent. */
export const AGENT_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];
/** The environment the unit and the launcher set (keep equal to deploy/edge-agent.service). */
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=2' };

/** How to start the agent for the memory part. */
export interface AgentLaunch {
  /** A bundle built beforehand; default: build .bench-dist from this checkout. */
  dist?: string | undefined;
  /** Node flags, default AGENT_NODE_FLAGS. */
  nodeFlags?: readonly string[];
  /** Environment added to this process's, default AGENT_ENV. */
  env?: Readonly<Record<string, string>>;
}

async function runLoop(dir: string, pool: RunnerPool, untilFrames: number, sourceFps: number): Promise<{ inferred: number; seconds: number }> {
  const logger = silentLogger();
  const outbox = SqliteOutbox.open({ path: join(dir, `outbox-${Date.now()}.sqlite`), logger, synchronous: 'normal' });
  // A camera delivers at its own rate; 1.5x the core's rate keeps the loop always fed without
  // the source spinning on the disk as fps 0 would.
  const source = new FilesSource({ type: 'files', name: 'bench', path: join(dir, 'frames'), fps: sourceFps, loop: true }, { logger, searchPath: '', devDir: '/dev' });
  const loop = new CameraLoop({
    name: 'bench', source, intervalMs: 0, gate: undefined,
    // on-change keeps the outbox small, so the run measures the loop and not disk growth.
    models: [{ id: 'person-yolox-192', threshold: 0.5, policy: new ReportPolicy({ policy: 'on-change', heartbeatSeconds: 3600, minScore: 0 }), topic: 'bench' }],
    runners: pool, store: { keep: (record, topic) => { outbox.enqueue(resultEntry(record, topic)); } }, metrics: createAgentMetrics({ processMetrics: false }), readiness: new ReadinessTracker({ cameras: [], models: [] }), logger, stuckTimeoutMs: 60_000,
  });
  await loop.start();
  // Timed from the 20th frame, as the core is timed after 20 warm-up frames: the source's start
  // and the first reads from disk are not the loop's steady rate.
  const warmUpFrames = 20;
  while (loop.stats().framesInferred < warmUpFrames) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  const first = loop.stats().framesInferred;
  while (loop.stats().framesInferred - first < untilFrames) await new Promise((r) => setTimeout(r, 5));
  const inferred = loop.stats().framesInferred - first;
  const seconds = (performance.now() - t0) / 1000;
  await loop.stop();
  outbox.close();
  return { inferred, seconds };
}

/** Runs the loop benchmark; `memoryFrames` frames for the memory part (default 20,000). */
export async function runLoopBench(options: { throughputFrames?: number; memoryFrames?: number } = {}): Promise<LoopBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-loop-bench-'));
  try {
    const frames = await makeFrames(24);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'frames'));
    frames.forEach((f, i) => writeFileSync(join(dir, 'frames', `f${String(i).padStart(3, '0')}.jpg`), f));
    const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'bench', logger: silentLogger(), intraOpThreads: 1 });
    await pool.load(['person-yolox-192']);
    const runner = pool.get('person-yolox-192');
    const n = options.throughputFrames ?? 400;

    // Core and loop alternate twice, so a change in the machine's load during the run falls on
    // both; each rate is frames over seconds summed across its two turns.
    const core = { frames: 0, seconds: 0 };
    const looped = { frames: 0, seconds: 0 };
    for (let round = 0; round < 2; round += 1) {
      // The core alone: the same frames, already in memory, back to back.
      for (let i = 0; i < 20; i++) await runner.infer({ source: 'core', seq: i, capturedAt: new Date(), image: { kind: 'encoded', data: frames[i % frames.length] as Buffer } });
      const c0 = performance.now();
      for (let i = 0; i < n; i++) await runner.infer({ source: 'core', seq: i, capturedAt: new Date(), image: { kind: 'encoded', data: frames[i % frames.length] as Buffer } });
      core.frames += n;
      core.seconds += (performance.now() - c0) / 1000;
      const loopRun = await runLoop(dir, pool, n, Math.ceil((core.frames / core.seconds) * 1.5));
      looped.frames += loopRun.inferred;
      looped.seconds += loopRun.seconds;
    }
    const coreFps = core.frames / core.seconds;
    const loopFps = looped.frames / looped.seconds;
    await pool.close();
    const memory = await measureAgentMemory(dir, options.memoryFrames ?? 20_000);
    const result: LoopBenchResult = {
      coreFps,
      loopFps,
      ratio: loopFps / coreFps,
      memory,
    };
    console.log(`\nloop: person-yolox-192 on 1280x720 JPEGs, 1 intra-op thread`);
    console.log(`  inference core alone   ${coreFps.toFixed(1)} frames/s`);
    console.log(`  camera loop (files)    ${loopFps.toFixed(1)} frames/s   ratio ${result.ratio.toFixed(3)} (target >= 0.95)`);
    console.log(`  agent process (edge-agent run): RSS after warm-up ${result.memory.rssAfterWarmUpMb} MB, after ${result.memory.frames} more frames ${result.memory.rssEndMb} MB (growth ${result.memory.growthMb} MB, max ${result.memory.maxRssMb} MB; targets < 150 MB, < 5 MB growth)`);
    console.log(`  RSS every 1,000 frames after warm-up (MB): ${result.memory.everyThousandMb.join(' ')}`);
    console.log(`  after warm-up: ${result.memory.breakdownAfterWarmUp}`);
    console.log(`  at the end: ${result.memory.breakdownEnd}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a process's resident set size from /proc, in bytes. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds (user + system, every thread) a process has used, from /proc/PID/stat. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Where the agent's memory is: V8 heap and external memory from /metrics, anonymous and
 * file-backed resident memory and the thread count from /proc.
 */
async function memoryBreakdown(base: string, pid: number): Promise<string> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const gauge = (name: string) => {
    const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? mb(Number(m[1])) : NaN;
  };
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? mb(Number(m[1]) * 1024) : NaN;
  };
  const threads = /Threads:\s+(\d+)/.exec(status)?.[1] ?? '?';
  return `heap used ${gauge('edge_agent_nodejs_heap_size_used_bytes')} MB of ${gauge('edge_agent_nodejs_heap_size_total_bytes')}, external ${gauge('edge_agent_nodejs_external_memory_bytes')} MB, RssAnon ${kb('RssAnon')} MB, RssFile ${kb('RssFile')} MB, threads ${threads}`;
}

/** Inferences the agent reports on /metrics. */
async function inferredFrames(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /edge_agent_inference_duration_seconds_count\{model="person-yolox-192"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Runs the real agent (`edge-agent run`, compiled to JavaScript as deployed) on the bench
 * frames and samples its RSS: after 1,000 warm-up frames, then every 1,000 frames up to `frames` more.
 */
async function measureAgentMemory(dir: string, frames: number, launch: AgentLaunch = {}): Promise<LoopBenchResult['memory']> {
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, `deviceId: bench\ndataDir: ${join(dir, 'data')}\nlogLevel: warn\nmodels: { mirror: ${sharedModels} }\ninference: { intraOpThreads: 1 }\nhealth: { port: 0 }\ncameras:\n  - name: bench\n    source: { type: files, path: ${join(dir, 'frames')}, fps: 500, loop: true }\n    targetFps: 1000\n    models: [{ id: person-yolox-192, threshold: 0.5, report: { policy: on-change, heartbeatSeconds: 3600 } }]\n`);
  // The agent as deployed: compiled JavaScript (not tsx) with the unit's node flag, glibc settings
  // and NODE_OPTIONS (AGENT_NODE_FLAGS and AGENT_ENV: deploy/edge-agent.service, greengrass/run.sh).
  // Inside the repository, so the compiled modules resolve node_modules as an install would.
  const dist = launch.dist ?? join(repoRoot, '.bench-dist');
  if (launch.dist === undefined) buildDist(repoRoot, dist);
  const child = spawn(process.execPath, [...(launch.nodeFlags ?? AGENT_NODE_FLAGS), join(dist, 'agent', 'cli', 'main.js'), 'run', '--config', config, '--no-status', '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...(launch.env ?? AGENT_ENV) } });
  try {
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const m = /"port":(\d+),"msg":"health endpoint listening"/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`agent exited: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    while ((await inferredFrames(base)) < 1000) await new Promise((r) => setTimeout(r, 200));
    const start = await inferredFrames(base);
    const t0 = performance.now();
    const cpu0 = cpuSecondsOf(child.pid as number);
    const rssAfterWarmUp = rssOf(child.pid as number);
    const breakdownAfterWarmUp = await memoryBreakdown(base, child.pid as number);
    // The whole series, so a steady climb (a leak) can be told from garbage-collection swings.
    const series: number[] = [];
    for (let next = start + 1000; ; next += 1000) {
      while ((await inferredFrames(base)) < next) await new Promise((r) => setTimeout(r, 200));
      series.push(rssOf(child.pid as number));
      if (next - start >= frames) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const done = (await inferredFrames(base)) - start;
    const cpuMsPerFrame = ((cpuSecondsOf(child.pid as number) - cpu0) * 1000) / done;
    const rssEnd = rssOf(child.pid as number);
    const breakdownEnd = await memoryBreakdown(base, child.pid as number);
    const maxRss = Math.max(rssAfterWarmUp, rssEnd, ...series);
    return { frames, rssAfterWarmUpMb: mb(rssAfterWarmUp), rssEndMb: mb(rssEnd), growthMb: mb(rssEnd - rssAfterWarmUp), maxRssMb: mb(maxRss), everyThousandMb: series.map(mb), breakdownAfterWarmUp, breakdownEnd, framesPerSecond: Math.round((done / seconds) * 10) / 10, cpuMsPerFrame: Math.round(cpuMsPerFrame * 100) / 100 };
  } finally {
    child.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const frames = process.argv[2] ? Number(process.argv[2]) : 20_000;
  if (process.argv.includes('--memory-only')) {
    // The compiled agent's memory alone, without the in-process throughput part before it.
    const dir = mkdtempSync(join(tmpdir(), 'edge-loop-bench-'));
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'frames'));
      (await makeFrames(24)).forEach((f, i) => writeFileSync(join(dir, 'frames', `f${String(i).padStart(3, '0')}.jpg`), f));
      const arg = (name: string) => process.argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
      const defaults = !process.argv.includes('--no-defaults');
      const env: Record<string, string> = defaults ? { ...AGENT_ENV } : {};
      for (const pair of arg('env')) {
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        // NODE_OPTIONS adds to the unit's instead of replacing it.
        env[name] = name === 'NODE_OPTIONS' && env[name] ? `${env[name]} ${value}` : value;
      }
      const launch: AgentLaunch = { dist: arg('dist')[0], nodeFlags: [...(defaults ? AGENT_NODE_FLAGS : []), ...arg('node-flag')], env };
      console.log(`agent: node ${process.version}, flags ${launch.nodeFlags?.join(' ') || '(none)'}, env ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}, bundle ${launch.dist ?? '.bench-dist (built now)'}`);
      const m = await measureAgentMemory(dir, frames, launch);
      console.log(`agent process: RSS after 1,000 warm-up frames ${m.rssAfterWarmUpMb} MB, after ${m.frames} more ${m.rssEndMb} MB (growth ${m.growthMb} MB, max ${m.maxRssMb} MB); ${m.framesPerSecond} frames/s, ${m.cpuMsPerFrame} ms CPU a frame`);
      console.log(`  RSS every 1,000 frames after warm-up (MB): ${m.everyThousandMb.join(' ')}`);
      console.log(`  after warm-up: ${m.breakdownAfterWarmUp}`);
      console.log(`  at the end: ${m.breakdownEnd}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    await runLoopBench({ memoryFrames: frames });
  }
}
