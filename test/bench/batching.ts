/**
 * Batching across cameras (issue 17, item 4): does running the frames of several cameras through
 * one session call (a batch-dynamic copy of the graph) beat running them one at a time?
 *
 * For each model and intra-op thread setting, on preprocessed frames in memory:
 * - saturated: runs of the original graph at batch 1 and of the batch-dynamic copy at batch 1, 2
 *   and 4, taken in turn call by call; frames/s (frames over the time inside their calls) and the
 *   p95 of a frame's latency (one call, as every frame of a batch waits for the whole call);
 * - cameras: 2 or 4 simulated cameras, each capturing at a fixed rate and skipping a tick while
 *   its previous frame is still being inferred (as a camera loop does), served either one frame
 *   at a time (original graph) or adaptively (whatever frames wait when the previous run ends, one
 *   batch-dynamic call), or filling (as adaptive, but waiting for a frame from every camera, at
 *   most one batch-1 call's time after the oldest); frames/s served and p95 latency from capture
 *   to result (the wait for the runner and for the batch to fill included). The offered rate is a factor of the batch-1 capacity measured first.
 * - runner: the agent's ModelRunner with batching off and on (maxBatch 4, maxWaitMs 0), 2 or 4
 *   camera loops each inferring 1280x720 JPEGs back to back (preprocessing included).
 * Cases alternate within a round and rounds repeat; ratios are taken within a round, and the load
 * average is printed with each figure.
 * Run alone: node --import tsx test/bench/batching.ts [rounds] [secondsPerCase] [saturated,cameras] [threads,...] [loads,...] [cameras,...]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOrt } from '../../agent/inference/ort.js';
import { makeBatchDynamic } from '../../agent/inference/batch-dynamic-graph.js';
import { Preprocessor } from '../../agent/preprocess/preprocessor.js';
import type { ModelManifest } from '../../agent/models/manifest.js';
import { testStore } from '../helpers/test-store.js';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { silentLogger } from '../../agent/log/logger.js';
import { makeFrames } from './frames.js';
import { quantile, row } from './stats.js';

const MODELS = ['person-yolox-192', 'face-yunet-2023mar'] as const;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One measured case of one round. */
export interface BatchingCase {
  model: string;
  threads: number;
  kind: 'saturated' | 'cameras' | 'runner';
  /** saturated: `fixed-b1`, `dynamic-b1`, `dynamic-b2`, `dynamic-b4`; cameras: `single`, `adaptive` or `fill`. */
  mode: string;
  cameras: number;
  /** Offered rate over the batch-1 capacity (cameras only). */
  load: number;
  round: number;
  framesPerSecond: number;
  p95Ms: number;
  meanBatch: number;
  /** Process CPU (every thread, user + system) per frame: less hit by other processes than wall time. */
  cpuMsPerFrame: number;
  loadAverage: number;
}

interface Loaded {
  manifest: ModelManifest;
  frameTensors: Float32Array[];
  sessions: Map<string, InferenceSession>;
  capacity: Map<number, number>;
}

type Ort = Awaited<ReturnType<typeof loadOrt>>;
/** single: one frame per call (original graph); adaptive: every frame waiting when the runner frees; fill: as adaptive, but wait (bounded) for one frame per camera. */
type Policy = 'single' | 'adaptive' | 'fill';

/** A batch of `n` frames starting at `from` as one input tensor (copied, as a batcher must). */
function batchTensor(ort: Ort, m: Loaded, n: number, from: number): Tensor {
  const one = m.frameTensors[0]?.length ?? 0;
  const data = new Float32Array(one * n);
  for (let i = 0; i < n; i++) data.set(m.frameTensors[(from + i) % m.frameTensors.length] as Float32Array, i * one);
  const [, c, h, w] = m.manifest.input.shape as [number, number, number, number];
  return new ort.Tensor('float32', data, [n, c, h, w]);
}

/** Runs one call and splits every output per frame (what decoders would be given). */
async function runBatch(session: InferenceSession, inputName: string, input: Tensor): Promise<number> {
  const out = await session.run({ [inputName]: input });
  const n = input.dims[0] ?? 1;
  let touched = 0;
  for (const t of Object.values(out)) {
    const per = (t.data as Float32Array).length / n;
    for (let i = 0; i < n; i++) touched += (t.data as Float32Array).subarray(i * per, (i + 1) * per).length;
  }
  return touched;
}

async function saturated(ort: Ort, m: Loaded, threads: number, graph: 'fixed' | 'dynamic', batch: number, seconds: number): Promise<{ fps: number; p95: number; cpuMsPerFrame: number }> {
  const r = await interleaved(ort, m, threads, [[graph, batch]], seconds);
  return r[0] as { fps: number; p95: number; cpuMsPerFrame: number };
}

/** The modes run in turn, one call each, until `seconds` pass per mode: noise hits them alike. */
async function interleaved(ort: Ort, m: Loaded, threads: number, modes: readonly (readonly ['fixed' | 'dynamic', number])[], seconds: number): Promise<{ fps: number; p95: number; cpuMsPerFrame: number }[]> {
  const runs = modes.map(() => [] as number[]);
  const cpu = modes.map(() => 0);
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000 * modes.length || (runs[0]?.length ?? 0) < 4; i++) {
    for (const [k, [graph, batch]] of modes.entries()) {
      const session = m.sessions.get(`${graph}-${threads}`) as InferenceSession;
      const input = batchTensor(ort, m, batch, i * batch);
      const c0 = cpuMs();
      const s = performance.now();
      await runBatch(session, m.manifest.input.name, input);
      runs[k]?.push(performance.now() - s);
      cpu[k] = (cpu[k] ?? 0) + cpuMs() - c0;
    }
  }
  return modes.map(([, batch], k) => {
    const r = runs[k] as number[];
    return { fps: (batch * r.length) / (r.reduce((a, b) => a + b, 0) / 1000), p95: quantile(r, 0.95), cpuMsPerFrame: (cpu[k] ?? 0) / (batch * r.length) };
  });
}

/**
 * `cameras` closed-loop cameras at `fpsEach`; `adaptive` takes every waiting frame into one call
 * of the batch-dynamic graph when the runner is free, otherwise frames go one at a time through
 * the original graph in arrival order.
 */
async function simulate(ort: Ort, m: Loaded, threads: number, cameras: number, fpsEach: number, policy: Policy, seconds: number): Promise<{ fps: number; p95: number; meanBatch: number; cpuMsPerFrame: number }> {
  const adaptive = policy !== 'single';
  // fill: wait for a frame from every camera, but at most one batch-1 call's time after the oldest.
  const maxWaitMs = policy === 'fill' ? 1000 / (m.capacity.get(threads) as number) : 0;
  let filled: (() => void) | undefined;
  const session = m.sessions.get(`${adaptive ? 'dynamic' : 'fixed'}-${threads}`) as InferenceSession;
  const waiting: { camera: number; capturedAt: number }[] = [];
  const busy = new Array<boolean>(cameras).fill(false);
  const latencies: number[] = [];
  const batches: number[] = [];
  let running = false;
  let stopped = false;
  let served = 0;
  let failure: Error | undefined;
  const c0 = cpuMs();
  const t0 = performance.now();
  const pump = async (): Promise<void> => {
    running = true;
    while (waiting.length > 0) {
      const oldest = waiting[0]?.capturedAt ?? 0;
      if (maxWaitMs > 0 && waiting.length < cameras && performance.now() - oldest < maxWaitMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, maxWaitMs - (performance.now() - oldest));
          filled = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        filled = undefined;
      }
      const take = waiting.splice(0, adaptive ? waiting.length : 1);
      await runBatch(session, m.manifest.input.name, batchTensor(ort, m, take.length, served));
      const done = performance.now();
      for (const f of take) {
        busy[f.camera] = false;
        latencies.push(done - f.capturedAt);
      }
      batches.push(take.length);
      served += take.length;
    }
    running = false;
  };
  const interval = 1000 / fpsEach;
  const timers = Array.from({ length: cameras }, (_, c) => {
    const tick = () => {
      if (stopped || busy[c]) return;
      busy[c] = true;
      waiting.push({ camera: c, capturedAt: performance.now() });
      if (waiting.length >= cameras) filled?.();
      if (!running) pump().catch((err: unknown) => (failure = err instanceof Error ? err : new Error(String(err))));
    };
    // Cameras are not in phase: spread their first ticks over one interval.
    const start = setTimeout(() => {
      tick();
      timers[c] = setInterval(tick, interval);
    }, (interval * c) / cameras);
    return start;
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stopped = true;
  const elapsed = (performance.now() - t0) / 1000;
  const servedInWindow = served;
  const cpuInWindow = cpuMs() - c0;
  for (const t of timers) clearInterval(t);
  while (running) await new Promise((r) => setTimeout(r, 5));
  if (failure !== undefined) throw failure;
  return { fps: servedInWindow / elapsed, p95: quantile(latencies, 0.95), meanBatch: batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length), cpuMsPerFrame: cpuInWindow / Math.max(1, servedInWindow) };
}

/**
 * The agent's own path: `cameras` loops each calling ModelRunner.infer on 1280x720 JPEGs back to
 * back (a camera that always has a new frame, preprocessing included), with batching off or on.
 */
async function runnerCase(runner: ModelRunner, jpegs: readonly Buffer[], cameras: number, seconds: number): Promise<{ fps: number; p95: number; cpuMsPerFrame: number; meanBatch: number }> {
  const before = runner.batching;
  const latencies: number[] = [];
  const c0 = cpuMs();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: cameras }, async (_, c) => {
    for (let seq = 0; performance.now() < end; seq++) {
      const s = performance.now();
      await runner.infer({ source: `camera-${c}`, seq, capturedAt: new Date(), image: { kind: 'encoded', data: jpegs[(seq * cameras + c) % jpegs.length] as Buffer } });
      latencies.push(performance.now() - s);
    }
  }));
  const after = runner.batching;
  const batches = after.batches - before.batches;
  return { fps: latencies.length / ((performance.now() - t0) / 1000), p95: quantile(latencies, 0.95), cpuMsPerFrame: (cpuMs() - c0) / Math.max(1, latencies.length), meanBatch: batches > 0 ? (after.frames - before.frames) / batches : 1 };
}

async function load(ort: Ort, modelId: string, threads: readonly number[], dir: string): Promise<Loaded> {
  const store = testStore(dir);
  const manifest = store.manifest(modelId);
  const bytes = readFileSync(await store.ensure(modelId));
  const dynamic = makeBatchDynamic(bytes);
  if (!dynamic.ok) throw new Error(`${modelId} cannot be made batch-dynamic: ${dynamic.reason}`);
  const pre = new Preprocessor(manifest.input);
  const frameTensors: Float32Array[] = [];
  for (const [i, jpeg] of (await makeFrames(8)).entries()) {
    const p = await pre.prepare({ kind: 'encoded', data: jpeg }, `bench-${i}`);
    frameTensors.push(Float32Array.from(p.data as Float32Array));
  }
  const sessions = new Map<string, InferenceSession>();
  for (const t of threads) {
    const options: InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    sessions.set(`fixed-${t}`, await ort.InferenceSession.create(bytes, options));
    sessions.set(`dynamic-${t}`, await ort.InferenceSession.create(dynamic.bytes, options));
  }
  return { manifest, frameTensors, sessions, capacity: new Map() };
}

/** Options of runBatchingBench(). */
export interface BatchingBenchOptions {
  rounds?: number;
  secondsPerCase?: number;
  threads?: readonly number[];
  cameraCounts?: readonly number[];
  loads?: readonly number[];
  /** Which kinds of case to run (both by default). */
  kinds?: readonly BatchingCase['kind'][];
  models?: readonly string[];
  policies?: readonly Policy[];
}

/** Runs every case, alternating, and returns the rows of every round. */
export async function runBatchingBench(options: BatchingBenchOptions = {}): Promise<BatchingCase[]> {
  const rounds = options.rounds ?? 3;
  const seconds = options.secondsPerCase ?? 2.5;
  const threads = options.threads ?? [1, 0];
  const cameraCounts = options.cameraCounts ?? [2, 4];
  const loads = options.loads ?? [0.7, 1.5];
  const kinds = options.kinds ?? ['saturated', 'cameras', 'runner'];
  const policies = options.policies ?? ['single', 'adaptive', 'fill'];
  const ort = await loadOrt();
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-batching-'));
  const rows: BatchingCase[] = [];
  try {
    const models = new Map<string, Loaded>();
    for (const id of options.models ?? MODELS) models.set(id, await load(ort, id, threads, dir));
    // Warm every session, then measure the batch-1 capacity the camera rates are set from.
    for (const [, m] of models) {
      for (const t of threads) {
        await saturated(ort, m, t, 'fixed', 1, 0.2);
        for (const b of [1, 2, 4]) await saturated(ort, m, t, 'dynamic', b, 0.2);
        m.capacity.set(t, (await saturated(ort, m, t, 'fixed', 1, seconds)).fps);
      }
    }
    type Case = () => Promise<Omit<BatchingCase, 'round' | 'loadAverage'>[]>;
    const cases: Case[] = [];
    const runners: ModelRunner[] = [];
    if (kinds.includes('runner')) {
      const store = testStore(dir);
      const jpegs = await makeFrames(16);
      for (const id of options.models ?? MODELS) {
        for (const t of threads) {
          const off = await ModelRunner.load(store, id, { deviceId: 'bench', logger: silentLogger(), intraOpThreads: t });
          const on = await ModelRunner.load(store, id, { deviceId: 'bench', logger: silentLogger(), intraOpThreads: t, batching: { maxBatch: 4, maxWaitMs: 0 } });
          runners.push(off, on);
          for (const n of cameraCounts) {
            for (const [mode, runner] of [['single', off], ['adaptive', on]] as const) {
              cases.push(async () => {
                const r = await runnerCase(runner, jpegs, n, seconds);
                return [{ model: id, threads: t, kind: 'runner' as const, mode, cameras: n, load: 0, framesPerSecond: r.fps, p95Ms: r.p95, meanBatch: r.meanBatch, cpuMsPerFrame: r.cpuMsPerFrame }];
              });
            }
          }
        }
      }
    }
    for (const [id, m] of models) {
      for (const t of threads) {
        const modes = [['fixed', 1], ['dynamic', 1], ['dynamic', 2], ['dynamic', 4]] as const;
        if (kinds.includes('saturated')) cases.push(async () => {
          const r = await interleaved(ort, m, t, modes, seconds);
          return modes.map(([g, b], k) => ({ model: id, threads: t, kind: 'saturated' as const, mode: `${g}-b${b}`, cameras: 0, load: 0, framesPerSecond: r[k]?.fps ?? NaN, p95Ms: r[k]?.p95 ?? NaN, meanBatch: b, cpuMsPerFrame: r[k]?.cpuMsPerFrame ?? NaN }));
        });
        for (const n of kinds.includes('cameras') ? cameraCounts : []) {
          for (const l of loads) {
            for (const policy of policies) {
              cases.push(async () => {
                const r = await simulate(ort, m, t, n, (l * (m.capacity.get(t) as number)) / n, policy, seconds);
                return [{ model: id, threads: t, kind: 'cameras' as const, mode: policy, cameras: n, load: l, framesPerSecond: r.fps, p95Ms: r.p95, meanBatch: r.meanBatch, cpuMsPerFrame: r.cpuMsPerFrame }];
              });
            }
          }
        }
      }
    }
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no case always follows the same one.
      const shift = Math.floor((round * cases.length) / rounds);
      for (let i = 0; i < cases.length; i++) {
        const la = loadavg()[0] as number;
        const measured = await (cases[(i + shift) % cases.length] as Case)();
        for (const r of measured) rows.push({ ...r, round, loadAverage: (la + (loadavg()[0] as number)) / 2 });
      }
    }
    for (const [id, m] of models) for (const t of threads) console.log(`${id}, ${t} thread(s): batch-1 capacity at start ${(m.capacity.get(t) as number).toFixed(1)} frames/s`);
    for (const m of models.values()) for (const s of m.sessions.values()) await s.release();
    for (const r of runners) await r.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const median = (v: number[]) => quantile(v, 0.5);

/** Per case: the median over rounds of frames/s and p95, and the per-round ratio to its baseline (fixed-b1 for saturated, single for cameras). */
export function formatBatchingBench(rows: readonly BatchingCase[]): string {
  const key = (r: BatchingCase) => `${r.model}|${r.threads}|${r.kind}|${r.cameras}|${r.load}|${r.mode}`;
  const baseOf = (r: BatchingCase) => rows.find((b) => b.round === r.round && b.model === r.model && b.threads === r.threads && b.kind === r.kind && b.cameras === r.cameras && b.load === r.load && b.mode === (r.kind === 'saturated' ? 'fixed-b1' : 'single'));
  const groups = new Map<string, BatchingCase[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const w = [20, 7, 10, 8, 5, 11, 9, 9, 10, 10, 10, 10, 7, 6];
  const lines = [row(['model', 'threads', 'case', 'cameras', 'load', 'mode', 'frames/s', 'p95 ms', 'cpu ms/f', 'fps ratio', 'p95 ratio', 'cpu ratio', 'load', 'batch'], w)];
  for (const g of groups.values()) {
    const r0 = g[0] as BatchingCase;
    const fpsRatios = g.map((r) => r.framesPerSecond / (baseOf(r)?.framesPerSecond ?? NaN));
    const p95Ratios = g.map((r) => r.p95Ms / (baseOf(r)?.p95Ms ?? NaN));
    const cpuRatios = g.map((r) => r.cpuMsPerFrame / (baseOf(r)?.cpuMsPerFrame ?? NaN));
    lines.push(row([
      r0.model.slice(0, 20), String(r0.threads), r0.kind, String(r0.cameras || '-'), r0.load ? r0.load.toFixed(1) : '-', r0.mode,
      median(g.map((r) => r.framesPerSecond)).toFixed(1), median(g.map((r) => r.p95Ms)).toFixed(1), median(g.map((r) => r.cpuMsPerFrame)).toFixed(1),
      median(fpsRatios).toFixed(3), median(p95Ratios).toFixed(3), median(cpuRatios).toFixed(3), median(g.map((r) => r.loadAverage)).toFixed(1), median(g.map((r) => r.meanBatch)).toFixed(2),
    ], w));
  }
  lines.push('ratios: per round against the same round\'s baseline (fixed-b1 / single), then the median over rounds; fps ratio > 1, p95 and cpu ratios < 1 favour batching; cpu ms/f is the whole process\'s CPU per frame (all threads)');
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = process.argv[2] ? Number(process.argv[2]) : undefined;
  const seconds = process.argv[3] ? Number(process.argv[3]) : undefined;
  const kinds = process.argv[4] ? (process.argv[4].split(',') as BatchingCase['kind'][]) : undefined;
  const threads = process.argv[5] ? process.argv[5].split(',').map(Number) : undefined;
  const loads = process.argv[6] ? process.argv[6].split(',').map(Number) : undefined;
  const cameraCounts = process.argv[7] ? process.argv[7].split(',').map(Number) : undefined;
  console.log(`batching across cameras, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(formatBatchingBench(await runBatchingBench({ ...(rounds === undefined ? {} : { rounds }), ...(seconds === undefined ? {} : { secondsPerCase: seconds }), ...(kinds === undefined ? {} : { kinds }), ...(threads === undefined ? {} : { threads }), ...(loads === undefined ? {} : { loads }), ...(cameraCounts === undefined ? {} : { cameraCounts }) })));
}
