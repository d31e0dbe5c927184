/**
 * Several cameras and models (issue 17, item 3): 1, 2 and 4 camera loops on `files` sources
 * sharing one RunnerPool, each camera with one model (person) or two (person + face), against the
 * single-camera inference core (the camera's models called back to back on frames in memory).
 * For each intra-op thread setting it reports total frames/s, per-camera fairness (the slowest
 * camera's frames over the fastest's), process CPU per frame against one camera alone, and the
 * load average next to every figure. Cases alternate within a round, and rounds repeat, so the
 * shared machine's load falls on all of them alike: compare ratios within one run.
 * Targets: 4 cameras >= 0.9 of the core's frames/s; fairness >= 0.8.
 * Run alone: node --import tsx test/bench/cameras.ts [secondsPerCase] [rounds] [--threads=1,0] [--cameras=1,4]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesSource } from '../../agent/capture/files-source.js';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { ReadinessTracker } from '../../agent/health/readiness.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { silentLogger } from '../../agent/log/logger.js';
import { CameraLoop } from '../../agent/pipeline/camera-loop.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { testStore } from '../helpers/test-store.js';
import { makeFrames } from './frames.js';
import { benchArgs } from './args.js';

const PERSON = 'person-yolox-192';
const FACE = 'face-yunet-2023mar';

/** One measured configuration. */
export interface CamerasBenchRow {
  intraOpThreads: number;
  models: number;
  /** 0 is the inference core alone (no camera loop). */
  cameras: number;
  frames: number;
  seconds: number;
  /** Frames each camera inferred (empty for the core). */
  perCamera: number[];
  /** Process CPU (user + system, every thread) in seconds. */
  cpuSeconds: number;
  loadAverage: number;
}

/** Options of runCamerasBench(). */
export interface CamerasBenchOptions {
  secondsPerCase?: number;
  rounds?: number;
  threads?: readonly number[];
  cameraCounts?: readonly number[];
  modelSets?: readonly (readonly string[])[];
  /** Frames per second each camera's source offers (default 100, more than the core makes). */
  cameraFps?: number;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The single-camera core: each frame through every model in turn, frames already in memory. */
async function runCore(pool: RunnerPool, models: readonly string[], frames: Buffer[], seconds: number): Promise<Omit<CamerasBenchRow, 'intraOpThreads' | 'models' | 'cameras' | 'perCamera'>> {
  const once = async (i: number) => {
    for (const id of models) await pool.get(id).infer({ source: 'core', seq: i, capturedAt: new Date(), image: { kind: 'encoded', data: frames[i % frames.length] as Buffer } });
  };
  for (let i = 0; i < 10; i++) await once(i);
  const c0 = cpuNow();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) await once(n++);
  return { frames: n, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuNow() - c0, loadAverage: loadavg()[0] as number };
}

/** `cameras` loops on the same frames folder, sharing `pool`, measured for `seconds` after a warm-up. */
async function runCameras(pool: RunnerPool, models: readonly string[], framesDir: string, cameras: number, seconds: number, cameraFps: number): Promise<Omit<CamerasBenchRow, 'intraOpThreads' | 'models' | 'cameras'>> {
  const logger = silentLogger();
  const metrics = createAgentMetrics({ processMetrics: false });
  const loops: CameraLoop[] = [];
  for (let c = 0; c < cameras; c++) {
    const name = `cam${c}`;
    // 100 frames/s per camera (the default) keeps every loop fed (the core makes well under
    // that) without the source spinning on the disk as fps 0 would.
    const source = new FilesSource({ type: 'files', name, path: framesDir, fps: cameraFps, loop: true }, { logger, searchPath: '', devDir: '/dev' });
    loops.push(new CameraLoop({
      name, source, intervalMs: 0, gate: undefined,
      // on-change and a store that drops: the run measures cameras and models, not the outbox.
      models: models.map((id) => ({ id, threshold: 0.5, policy: new ReportPolicy({ policy: 'on-change', heartbeatSeconds: 3600, minScore: 0 }), topic: 'bench' })),
      runners: pool, store: { keep: () => undefined }, metrics, readiness: new ReadinessTracker({ cameras: [], models: [] }), logger, stuckTimeoutMs: 120_000,
    }));
  }
  for (const loop of loops) await loop.start();
  // Warm-up: every camera past its first frames (source start, first reads from disk).
  while (loops.some((l) => l.stats().framesInferred < 5)) await wait(5);
  const first = loops.map((l) => l.stats().framesInferred);
  const c0 = cpuNow();
  const t0 = performance.now();
  await wait(seconds * 1000);
  const perCamera = loops.map((l, i) => l.stats().framesInferred - (first[i] as number));
  const elapsed = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuNow() - c0;
  const loadAverage = loadavg()[0] as number;
  for (const loop of loops) await loop.stop();
  return { frames: perCamera.reduce((a, b) => a + b, 0), seconds: elapsed, perCamera, cpuSeconds, loadAverage };
}

/** Runs every thread setting x model set x camera count (plus the core), `rounds` times. */
export async function runCamerasBench(options: CamerasBenchOptions = {}): Promise<CamerasBenchRow[]> {
  const seconds = options.secondsPerCase ?? 10;
  const rounds = options.rounds ?? 2;
  const threads = options.threads ?? [1, 2, 0];
  const counts = options.cameraCounts ?? [1, 2, 4];
  const modelSets = options.modelSets ?? [[PERSON], [PERSON, FACE]];
  const dir = mkdtempSync(join(tmpdir(), 'edge-cameras-bench-'));
  try {
    const frames = await makeFrames(24);
    const framesDir = join(dir, 'frames');
    mkdirSync(framesDir);
    frames.forEach((f, i) => writeFileSync(join(framesDir, `f${String(i).padStart(3, '0')}.jpg`), f));
    const store = testStore(join(dir, 'models'));
    const rows: CamerasBenchRow[] = [];
    for (let round = 0; round < rounds; round++) {
      // Odd rounds run the settings backwards, so a load that rises or falls during the run
      // does not always land on the same setting.
      const order = round % 2 === 0 ? threads : [...threads].reverse();
      for (const t of order) {
        const pool = new RunnerPool(store, { deviceId: 'bench', logger: silentLogger(), intraOpThreads: t });
        await pool.load([PERSON, FACE]);
        for (const models of modelSets) {
          const core = await runCore(pool, models, frames, seconds);
          rows.push({ intraOpThreads: t, models: models.length, cameras: 0, perCamera: [], ...core });
          for (const n of counts) {
            const r = await runCameras(pool, models, framesDir, n, seconds, options.cameraFps ?? 100);
            rows.push({ intraOpThreads: t, models: models.length, cameras: n, ...r });
          }
        }
        await pool.close();
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Summary { fps: number; cpuPerFrameMs: number; fairness: number; load: number[] }

/** Sums the rounds of each configuration: frames over seconds, CPU over frames, worst fairness. */
function summarise(rows: readonly CamerasBenchRow[]): Map<string, Summary> {
  const acc = new Map<string, { frames: number; seconds: number; cpu: number; fairness: number; load: number[] }>();
  for (const r of rows) {
    const key = `${r.intraOpThreads}/${r.models}/${r.cameras}`;
    const a = acc.get(key) ?? { frames: 0, seconds: 0, cpu: 0, fairness: 1, load: [] };
    a.frames += r.frames;
    a.seconds += r.seconds;
    a.cpu += r.cpuSeconds;
    if (r.perCamera.length > 1) a.fairness = Math.min(a.fairness, Math.min(...r.perCamera) / Math.max(1, Math.max(...r.perCamera)));
    a.load.push(r.loadAverage);
    acc.set(key, a);
  }
  const out = new Map<string, Summary>();
  for (const [k, a] of acc) out.set(k, { fps: a.frames / a.seconds, cpuPerFrameMs: (a.cpu / Math.max(1, a.frames)) * 1000, fairness: a.fairness, load: a.load });
  return out;
}

/** A table: per thread setting and model set, the core and each camera count as ratios to it. */
export function formatCamerasBench(rows: readonly CamerasBenchRow[]): string {
  const s = summarise(rows);
  const lines = ['threads | models | cameras | frames/s | x core | fairness (min/max, worst round) | CPU ms/frame | x 1 camera | load avg (1 min) per round', '---|---|---|---|---|---|---|---|---'];
  const keys = [...new Set(rows.map((r) => `${r.intraOpThreads}/${r.models}`))];
  for (const k of keys) {
    const core = s.get(`${k}/0`);
    const one = s.get(`${k}/1`);
    const cameraCounts = [...new Set(rows.filter((r) => `${r.intraOpThreads}/${r.models}` === k).map((r) => r.cameras))].sort((a, b) => a - b);
    for (const n of cameraCounts) {
      const v = s.get(`${k}/${n}`) as Summary;
      const [t, m] = k.split('/');
      lines.push([
        t === '0' ? '0 (ORT)' : t, m, n === 0 ? 'core' : String(n), v.fps.toFixed(1),
        core ? (v.fps / core.fps).toFixed(3) : '-',
        n > 1 ? v.fairness.toFixed(3) : '-',
        v.cpuPerFrameMs.toFixed(1),
        one && n > 0 ? (v.cpuPerFrameMs / one.cpuPerFrameMs).toFixed(3) : '-',
        v.load.map((l) => l.toFixed(1)).join(', '),
      ].join(' | '));
    }
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { numbers, list } = benchArgs(process.argv.slice(2));
  const threads = list('threads');
  const cameraCounts = list('cameras');
  const rows = await runCamerasBench({
    ...(numbers[0] === undefined ? {} : { secondsPerCase: numbers[0] }),
    ...(numbers[1] === undefined ? {} : { rounds: numbers[1] }),
    ...(threads === undefined ? {} : { threads }),
    ...(cameraCounts === undefined ? {} : { cameraCounts }),
  });
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  console.log(JSON.stringify(rows));
  console.log(formatCamerasBench(rows));
}
