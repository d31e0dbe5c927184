/**
 * int8 against float for both shared models, through the agent's own path: each variant is made
 * by `quantizeVariant` (as `edge-agent models quantize` does) into a temporary model directory and
 * loaded by a ModelRunner. Reports per-`session.run` latency with the same thread count (p50/p95
 * over interleaved rounds, so a noisy neighbour slows every variant alike), file size, and
 * detection agreement with float (boxes matched at IoU >= 0.8, same label, over all boxes) on
 * the shared images and on scenes composited from them (calibration uses other, seeded scenes).
 * Writes the latency plot.
 * Run alone: `node --import tsx test/bench/quantize.ts`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { silentLogger } from '../../agent/log/logger.js';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { compareVariant, type AgreementReport, type EvalImage } from '../../agent/quantize/agreement.js';
import { compositeScenes } from '../../agent/quantize/eval-scenes.js';
import { quantizeVariant } from '../../agent/quantize/quantize-variant.js';
import { repoRoot, sharedImage, sharedImages, sharedModels } from '../helpers/shared.js';
import { writeLatencyPlot } from './plot.js';
import { row, summarize } from './stats.js';

const imageNames = ['astronaut.png', 'chelsea.png', 'coffee.png', 'hopper.jpg', 'rocket.jpg'];
const threads = 2;
const rounds = 12;
const runsPerRound = 10;
const sceneCount = 12;
/** Scenes calibrated on besides the images; seeded random placements, never the evaluation scenes'. */
const calibrationSceneCount = 32;

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
  readonly images: AgreementReport;
  readonly scenes: AgreementReport;
}

/** Quantizes both shared models into a temp dir, measures every variant, prints and returns the rows. */
export async function runQuantizeBench(options: { plotPath?: string } = {}): Promise<QuantizeBenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-quantize-bench-'));
  const rows: QuantizeBenchRow[] = [];
  try {
    const images: EvalImage[] = await Promise.all(imageNames.map(async (name) => ({ name, data: await readFile(sharedImage(name)) })));
    const scenes = await compositeScenes(images, sceneCount);
    for (const id of ['person-yolox-192', 'face-yunet-2023mar']) rows.push(...(await benchModel(id, dir, images, scenes)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const widths = [20, 26, 9, 8, 8, 8, 7, 22, 22];
  console.log(`\nint8 vs float, ${threads} intra-op threads, p50/p95 of ${rounds * runsPerRound} interleaved session.run calls; agreement = matched/all boxes (IoU >= 0.8) and mean score diff`);
  console.log(row(['model', 'variant', 'bytes', 'p50 ms', 'p95 ms', 'speedup', 'size', `5 images`, `${sceneCount} scenes`], widths));
  for (const r of rows) {
    const agree = (a: AgreementReport) => `${a.agreement.toFixed(2)} (${a.matchedBoxes}/${a.floatBoxes}+${a.variantBoxes}) ${a.meanScoreDiff >= 0 ? '+' : ''}${a.meanScoreDiff.toFixed(3)}`;
    console.log(row([r.model, r.variant, String(r.bytes), r.p50Ms, r.p95Ms, `${r.speedup.toFixed(2)}x`, `${(r.sizeRatio * 100).toFixed(1)}%`, agree(r.images), agree(r.scenes)], widths));
  }
  const plotPath = options.plotPath ?? join(repoRoot, 'docs', 'img', 'latency-per-variant.svg');
  await writeLatencyPlot(rows.map((r) => ({ group: r.model, label: r.variant, p50Ms: r.p50Ms, p95Ms: r.p95Ms })), plotPath, `session.run latency per variant (${threads} threads, 2-core x86_64, one run)`);
  console.log(`latency plot written to ${plotPath}`);
  return rows;
}

async function benchModel(id: string, dir: string, images: EvalImage[], scenes: EvalImage[]): Promise<QuantizeBenchRow[]> {
  const store = () => new ModelStore({ modelDir: dir, manifestDirs: [bundledManifestDir, dir], mirrorDir: sharedModels, logger: silentLogger() });
  const calibrationImages = imageNames.map(sharedImage);
  const made = [];
  for (const activationType of ['int8', 'uint8'] as const) {
    made.push(await quantizeVariant({ store: store(), id, calibrationDir: sharedImages, calibrationImages, calibrationScenes: calibrationSceneCount, method: 'percentile', activationType, keepFloat: 'auto' }));
  }
  const variants = [
    { id, name: 'float32' },
    { id: made[0]!.manifest.id, name: 'int8 QDQ S8S8' },
    { id: made[1]!.manifest.id, name: `int8 QDQ U8S8${process.arch === 'x64' ? ' (default here)' : ''}` },
  ];
  const s = store();
  const runners = await Promise.all(variants.map((v) => ModelRunner.load(s, v.id, { deviceId: 'bench', logger: silentLogger(), intraOpThreads: threads })));
  try {
    // Fill each runner's input tensor with the same frame, then time the bare session.run.
    const hopper = images.find((i) => i.name === 'hopper.jpg')!;
    for (const r of runners) await r.infer({ source: 'bench', seq: 0, capturedAt: new Date(), image: { kind: 'encoded', data: hopper.data } });
    for (const r of runners) for (let i = 0; i < 10; i++) await r.session.run();
    const times: number[][] = runners.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [i, r] of runners.entries()) {
        for (let k = 0; k < runsPerRound; k++) {
          const t0 = performance.now();
          await r.session.run();
          times[i]!.push(performance.now() - t0);
        }
      }
    }
    const floatP50 = summarize(times[0]!).p50;
    const floatBytes = runners[0]!.manifest.bytes;
    const out: QuantizeBenchRow[] = [];
    for (const [i, v] of variants.entries()) {
      const stats = summarize(times[i]!);
      out.push({
        model: id,
        variant: v.name,
        bytes: runners[i]!.manifest.bytes,
        p50Ms: stats.p50,
        p95Ms: stats.p95,
        speedup: floatP50 / stats.p50,
        sizeRatio: runners[i]!.manifest.bytes / floatBytes,
        images: await compareVariant(runners[0]!, runners[i]!, images),
        scenes: await compareVariant(runners[0]!, runners[i]!, scenes),
      });
    }
    return out;
  } finally {
    for (const r of runners) await r.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runQuantizeBench();
}
