/**
 * The agent against a Python + OpenCV DNN pipeline doing the same job on the same frames with the
 * same model (person-yolox-192): JPEG bytes in memory -> decode, letterbox, inference, YOLOX
 * decoding, NMS. The agent side is ModelRunner.infer (sharp + ONNX Runtime + the agent's decoder);
 * the peer is test/bench/peer/opencv_pipeline.py (its header says exactly what it does). Both use
 * the same thread count and are run one after the other, each after its own warm-up; the whole
 * comparison is repeated and interleaved so machine noise hits both alike.
 * Needs Debian's OpenCV: `apt-get install -y python3-opencv` (run with /usr/bin/python3).
 * Run alone: `node --import tsx test/bench/peer.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { silentLogger } from '../../agent/log/logger.js';
import { sharedModel } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';
import { makeFrames } from './frames.js';

const run = promisify(execFile);
const peerScript = fileURLToPath(new URL('./peer/opencv_pipeline.py', import.meta.url));
const python = '/usr/bin/python3';

/** Frames per second of both pipelines, per repetition, and the ratio of the medians. */
export interface PeerBenchResult {
  readonly model: string;
  readonly frames: number;
  readonly threads: number;
  readonly agentFps: number[];
  readonly opencvFps: number[];
  /** Median agent fps over median OpenCV fps (target >= 1.5). */
  readonly ratio: number;
  /** Detections per distinct frame from each side (a sanity check that both did the same job). */
  readonly agentDetections: number[];
  readonly opencvDetections: number[];
  readonly opencvVersion: string;
}

/** Runs both pipelines `repeats` times on the same frames and prints frames per second. */
export async function runPeerBench(options: { frames?: number; threads?: number; repeats?: number } = {}): Promise<PeerBenchResult> {
  const frames = options.frames ?? 200;
  const threads = options.threads ?? 2;
  const repeats = options.repeats ?? 3;
  const modelId = 'person-yolox-192';
  const dir = await mkdtemp(join(tmpdir(), 'edge-peer-bench-'));
  try {
    const jpegs = await makeFrames(24);
    await Promise.all(jpegs.map((j, i) => writeFile(join(dir, `frame-${String(i).padStart(3, '0')}.jpg`), j)));
    const store = testStore(join(dir, 'models'));
    const runner = await ModelRunner.load(store, modelId, { deviceId: 'bench', logger: silentLogger(), intraOpThreads: threads });
    const agentFps: number[] = [];
    const opencvFps: number[] = [];
    const agentDetections = new Array<number>(jpegs.length).fill(0);
    let peer: { fps: number; detectionsPerFrame: number[]; opencv: string } = { fps: 0, detectionsPerFrame: [], opencv: '' };
    try {
      for (let r = 0; r < repeats; r++) {
        for (let i = 0; i < 10; i++) await runner.infer({ source: 'bench', seq: i, capturedAt: new Date(), image: { kind: 'encoded', data: jpegs[i % jpegs.length]! } });
        const t0 = performance.now();
        for (let i = 0; i < frames; i++) {
          const rec = await runner.infer({ source: 'bench', seq: i, capturedAt: new Date(), image: { kind: 'encoded', data: jpegs[i % jpegs.length]! } });
          agentDetections[i % jpegs.length] = 'detections' in rec ? rec.detections.length : 0;
        }
        agentFps.push(frames / ((performance.now() - t0) / 1000));
        const { stdout } = await run(python, [peerScript, sharedModel(modelId), dir, String(frames), '10', String(threads)], { maxBuffer: 1 << 20 });
        peer = JSON.parse(stdout.trim().split('\n').pop()!) as typeof peer;
        opencvFps.push(peer.fps);
      }
    } finally {
      await runner.close();
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const result: PeerBenchResult = { model: modelId, frames, threads, agentFps, opencvFps, ratio: median(agentFps) / median(opencvFps), agentDetections, opencvDetections: peer.detectionsPerFrame, opencvVersion: peer.opencv };
    console.log(`\nagent vs Python + OpenCV ${result.opencvVersion} DNN, ${modelId}, ${frames} 1280x720 JPEG frames x ${repeats}, ${threads} threads`);
    console.log(`  agent (sharp + onnxruntime-node): ${agentFps.map((f) => f.toFixed(1)).join(', ')} fps`);
    console.log(`  python3 + cv2.dnn:                ${opencvFps.map((f) => f.toFixed(1)).join(', ')} fps`);
    console.log(`  ratio of medians: ${result.ratio.toFixed(2)}x (target >= 1.5x)`);
    const same = agentDetections.filter((d, i) => d === peer.detectionsPerFrame[i]).length;
    console.log(`  detections per frame equal on ${same}/${jpegs.length} distinct frames (agent ${agentDetections.join(',')}; opencv ${peer.detectionsPerFrame.join(',')})`);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runPeerBench();
}
