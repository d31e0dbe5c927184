/**
 * int8 against float for both shared models: per-`session.run` latency with the same thread
 * count (p50 over interleaved runs, so a noisy neighbour slows every variant alike), file sizes
 * and detection agreement on the shared images. Quantized files go to a temporary directory.
 * Run alone: `node --import tsx test/bench/quantize.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { letterboxImage, type LetterboxSpec } from '../../agent/quantize/calibration-input.js';
import { quantizeModel, type QuantizeModelOptions } from '../../agent/quantize/quantize-model.js';
import { sharedImage, sharedModel } from '../helpers/shared.js';
import { faceTopBox, iou, personTopBox, type TopBox } from '../quantize/detections.js';
import { row, summarize } from './stats.js';

const images = ['astronaut.png', 'chelsea.png', 'coffee.png', 'hopper.jpg', 'rocket.jpg'];
const threads = 2;
const rounds = 12;
const runsPerRound = 10;

interface ModelCase {
  readonly id: string;
  readonly inputName: string;
  readonly spec: LetterboxSpec;
  readonly scoreThreshold: number;
  readonly topBox: (s: ort.InferenceSession, image: string) => Promise<TopBox>;
}

const cases: readonly ModelCase[] = [
  { id: 'person-yolox-192', inputName: 'images', spec: { width: 192, height: 192, padValue: 114, channelOrder: 'bgr' }, scoreThreshold: 0.5, topBox: personTopBox },
  { id: 'face-yunet-2023mar', inputName: 'input', spec: { width: 640, height: 640, padValue: 0, channelOrder: 'bgr' }, scoreThreshold: 0.6, topBox: faceTopBox },
];

/** One measured variant of a model. */
export interface QuantizeBenchRow {
  readonly model: string;
  readonly variant: string;
  readonly bytes: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Float p50 divided by this variant's p50. */
  readonly speedup: number;
  readonly sizeRatio: number;
  /** Share of images where the top detection agrees with float (both absent, or IoU >= 0.8). */
  readonly agreement: number;
  readonly maxScoreDiff: number;
}

/** Quantizes both shared models into a temp dir, measures every variant, prints and returns the rows. */
export async function runQuantizeBench(): Promise<QuantizeBenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-quantize-bench-'));
  const rows: QuantizeBenchRow[] = [];
  try {
    for (const c of cases) rows.push(...(await benchModel(c, dir)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const widths = [20, 34, 10, 9, 9, 9, 9, 10, 10];
  console.log(`\nint8 vs float, ${threads} intra-op threads, p50/p95 over ${rounds * runsPerRound} interleaved session.run calls`);
  console.log(row(['model', 'variant', 'bytes', 'p50 ms', 'p95 ms', 'speedup', 'size', 'agreement', 'max dscore'], widths));
  for (const r of rows) {
    console.log(row([r.model, r.variant, String(r.bytes), r.p50Ms, r.p95Ms, `${r.speedup.toFixed(2)}x`, `${(r.sizeRatio * 100).toFixed(1)}%`, r.agreement, r.maxScoreDiff], widths));
  }
  return rows;
}

async function benchModel(c: ModelCase, dir: string): Promise<QuantizeBenchRow[]> {
  const floatPath = sharedModel(c.id);
  const base: Omit<QuantizeModelOptions, 'outputPath'> = {
    inputPath: floatPath,
    calibrationImages: images.map(sharedImage),
    method: 'percentile',
    letterbox: { padValue: c.spec.padValue, channelOrder: c.spec.channelOrder },
  };
  const variants: { name: string; path: string; bytes: number }[] = [];
  const s8 = await quantizeModel({ ...base, outputPath: join(dir, `${c.id}-s8s8.onnx`) });
  const u8 = await quantizeModel({ ...base, outputPath: join(dir, `${c.id}-u8s8.onnx`), activationType: 'uint8' });
  const floatBytes = s8.floatBytes;
  variants.push({ name: 'float32', path: floatPath, bytes: floatBytes });
  variants.push({ name: 'int8 QDQ S8S8 percentile (default)', path: s8.outputPath, bytes: s8.int8Bytes });
  variants.push({ name: 'int8 QDQ U8S8 percentile', path: u8.outputPath, bytes: u8.int8Bytes });

  const sessions = await Promise.all(variants.map((v) => ort.InferenceSession.create(v.path, { intraOpNumThreads: threads, interOpNumThreads: 1 })));
  try {
    const { data } = await letterboxImage(sharedImage('hopper.jpg'), c.spec);
    const feeds = { [c.inputName]: new ort.Tensor('float32', data, [1, 3, c.spec.height, c.spec.width]) };
    for (const s of sessions) for (let i = 0; i < 10; i++) await s.run(feeds);
    const times: number[][] = sessions.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of sessions.entries()) {
        for (let k = 0; k < runsPerRound; k++) {
          const t0 = performance.now();
          await s.run(feeds);
          times[i]!.push(performance.now() - t0);
        }
      }
    }
    const floatBoxes = await Promise.all(images.map((img) => c.topBox(sessions[0]!, sharedImage(img))));
    const floatP50 = summarize(times[0]!).p50;
    const out: QuantizeBenchRow[] = [];
    for (const [i, v] of variants.entries()) {
      let agree = 0;
      let maxScoreDiff = 0;
      for (const [j, img] of images.entries()) {
        const f = floatBoxes[j]!;
        const q = await c.topBox(sessions[i]!, sharedImage(img));
        const fHit = f.score >= c.scoreThreshold;
        const qHit = q.score >= c.scoreThreshold;
        if ((!fHit && !qHit) || (fHit && qHit && iou(f, q) >= 0.8)) agree++;
        maxScoreDiff = Math.max(maxScoreDiff, Math.abs(f.score - q.score));
      }
      const stats = summarize(times[i]!);
      out.push({ model: c.id, variant: v.name, bytes: v.bytes, p50Ms: stats.p50, p95Ms: stats.p95, speedup: floatP50 / stats.p50, sizeRatio: v.bytes / floatBytes, agreement: agree / images.length, maxScoreDiff });
    }
    return out;
  } finally {
    for (const s of sessions) await s.release();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runQuantizeBench();
}
