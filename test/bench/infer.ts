/**
 * Inference benchmark: the agent's per-frame path (ModelRunner.infer) on 1280x720 JPEGs, broken
 * into stages, against two floors measured in the same run: sharp's decode+resize alone and a
 * bare session.run on a pre-filled tensor. Target: per-frame p50 <= 1.10 x (sum of the floors' p50).
 * Run alone: node --import tsx test/bench/infer.ts [frames]
 */
import sharp from 'sharp';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { ModelSession } from '../../agent/inference/model-session.js';
import { silentLogger } from '../../agent/log/logger.js';
import { planGeometry } from '../../agent/preprocess/geometry.js';
import { testStore } from '../helpers/test-store.js';
import { makeFrames } from './frames.js';
import { row, summarize } from './stats.js';

/** Numbers the infer benchmark reports (milliseconds). */
export interface InferBenchResult {
  model: string;
  frames: number;
  threads: number;
  stages: Record<'decodeResize' | 'tensorFill' | 'sessionRun' | 'decodeNms' | 'perFrame', { p50: number; p95: number }>;
  floors: Record<'sharpDecodeResize' | 'bareSessionRun', { p50: number; p95: number }>;
  ratio: number;
}

/** Runs the benchmark for one model and prints a table. */
export async function runInferBench(options: { modelId?: string; frames?: number; threads?: number } = {}): Promise<InferBenchResult> {
  const modelId = options.modelId ?? 'person-yolox-192';
  const count = Math.max(200, options.frames ?? 240);
  const threads = options.threads ?? 1;
  const store = testStore(mkdtempSync(join(tmpdir(), 'edge-bench-')));
  const distinct = await makeFrames(24);
  const frames = Array.from({ length: count }, (_, i) => distinct[i % distinct.length] as Buffer);
  const runner = await ModelRunner.load(store, modelId, { deviceId: 'bench', logger: silentLogger(), intraOpThreads: threads });
  const m = runner.manifest;
  const [, , inH, inW] = m.input.shape as [number, number, number, number];

  // Interleave the three measurements frame by frame, so machine noise hits them alike.
  const stages = { decodeResize: [] as number[], tensorFill: [] as number[], sessionRun: [] as number[], decodeNms: [] as number[], perFrame: [] as number[] };
  const floorSharp: number[] = [];
  const floorRun: number[] = [];
  const bare = await ModelSession.create(m, await store.ensure(modelId), new Float32Array(3 * inW * inH).fill(114), { logger: silentLogger(), intraOpThreads: threads });
  const warm = 20;
  for (let i = 0; i < count + warm; i++) {
    const jpeg = frames[i % frames.length] as Buffer;
    const t0 = performance.now();
    await runner.infer({ source: 'bench', seq: i, capturedAt: new Date(), image: { kind: 'encoded', data: jpeg } });
    const t1 = performance.now();
    const g = planGeometry(1280, 720, inW, inH, m.input.resize, m.input.align);
    const t2 = performance.now();
    await sharp(jpeg).resize(g.contentWidth, g.contentHeight, { fit: 'fill', kernel: m.input.kernel }).raw().toBuffer();
    const t3 = performance.now();
    await bare.run();
    const t4 = performance.now();
    if (i < warm) continue;
    const s = runner.lastStages;
    stages.decodeResize.push(s.decodeResizeMs);
    stages.tensorFill.push(s.tensorFillMs);
    stages.sessionRun.push(s.sessionRunMs);
    stages.decodeNms.push(s.decodeNmsMs);
    stages.perFrame.push(t1 - t0);
    floorSharp.push(t3 - t2);
    floorRun.push(t4 - t3);
  }
  await runner.close();
  await bare.release();
  const pick = (v: number[]) => {
    const { p50, p95 } = summarize(v);
    return { p50, p95 };
  };
  const result: InferBenchResult = {
    model: modelId,
    frames: count,
    threads,
    stages: { decodeResize: pick(stages.decodeResize), tensorFill: pick(stages.tensorFill), sessionRun: pick(stages.sessionRun), decodeNms: pick(stages.decodeNms), perFrame: pick(stages.perFrame) },
    floors: { sharpDecodeResize: pick(floorSharp), bareSessionRun: pick(floorRun) },
    ratio: 0,
  };
  result.ratio = result.stages.perFrame.p50 / (result.floors.sharpDecodeResize.p50 + result.floors.bareSessionRun.p50);
  const w = [34, 10, 10];
  console.log(`\ninfer: ${modelId}, ${count} frames of 1280x720 JPEG, ${threads} intra-op thread(s)`);
  console.log(row(['stage (ms)', 'p50', 'p95'], w));
  for (const [k, v] of Object.entries(result.stages)) console.log(row([k, v.p50, v.p95], w));
  console.log(row(['floor: sharp decode+resize alone', result.floors.sharpDecodeResize.p50, result.floors.sharpDecodeResize.p95], w));
  console.log(row(['floor: bare session.run', result.floors.bareSessionRun.p50, result.floors.bareSessionRun.p95], w));
  console.log(`per-frame p50 / (sum of floor p50s) = ${result.ratio.toFixed(3)} (target <= 1.10)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const frames = process.argv[2] ? Number(process.argv[2]) : undefined;
  await runInferBench(frames === undefined ? {} : { frames });
  await runInferBench({ modelId: 'face-yunet-2023mar', ...(frames === undefined ? {} : { frames }) });
}
