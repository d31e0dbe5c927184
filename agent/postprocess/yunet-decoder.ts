/**
 * YuNet (OpenCV Zoo, 2023mar) output: per stride s, `cls_s` and `obj_s` [1, N, 1], `bbox_s`
 * [1, N, 4] and `kps_s` [1, N, 10] over a g x g grid (row-major). Score is
 * sqrt(clamp(cls) * clamp(obj)); box centre (col + dx) * s, size exp(dw) * s; landmark k is
 * ((kps[2k] + col) * s, (kps[2k+1] + row) * s).
 */
import type { DecodedOutput } from '../results/result-record.js';
import { toSourceX, toSourceY } from '../preprocess/geometry.js';
import { candidateFromCenter, type Candidate } from './candidate.js';
import { MAX_CANDIDATES_BEFORE_NMS, requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { decodeErrors } from './errors.js';
import { nonMaxSuppression } from './nms.js';
import { toDetections } from './to-detections.js';

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Decoder for YuNet face detection with five landmarks. */
export class YunetDecoder implements Decoder {
  readonly name = 'yunet' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const g = ctx.geometry;
    const found: Candidate[] = [];
    for (const stride of this.c.spec.strides ?? [8, 16, 32]) {
      const cls = requireOutput(outputs, `cls_${stride}`).data;
      const obj = requireOutput(outputs, `obj_${stride}`).data;
      const bbox = requireOutput(outputs, `bbox_${stride}`).data;
      const kps = requireOutput(outputs, `kps_${stride}`).data;
      const cols = Math.floor(g.inputWidth / stride);
      const n = cols * Math.floor(g.inputHeight / stride);
      if (cls.length !== n || obj.length !== n || bbox.length !== 4 * n || kps.length !== 10 * n) {
        throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(
          `Expected ${n} rows in YuNet outputs for stride ${stride} at input ${g.inputWidth}x${g.inputHeight} but received cls ${cls.length}, obj ${obj.length}, bbox ${bbox.length / 4}, kps ${kps.length / 10}`,
          { stride, rows: n },
        );
      }
      for (let i = 0; i < n; i++) {
        const score = Math.sqrt(clamp01(cls[i] as number) * clamp01(obj[i] as number));
        if (score < ctx.scoreThreshold) continue;
        const col = i % cols;
        const row = Math.floor(i / cols);
        const b = i * 4;
        const cx = (col + (bbox[b] as number)) * stride;
        const cy = (row + (bbox[b + 1] as number)) * stride;
        const w = Math.exp(bbox[b + 2] as number) * stride;
        const h = Math.exp(bbox[b + 3] as number) * stride;
        const c = candidateFromCenter(g, 0, score, cx, cy, w, h);
        const k = i * 10;
        const landmarks: number[] = [];
        for (let p = 0; p < 5; p++) {
          landmarks.push(toSourceX(g, ((kps[k + 2 * p] as number) + col) * stride), toSourceY(g, ((kps[k + 2 * p + 1] as number) + row) * stride));
        }
        c.landmarks = landmarks;
        found.push(c);
      }
    }
    const bounded = found.length > MAX_CANDIDATES_BEFORE_NMS ? found.sort((a, b) => b.score - a.score).slice(0, MAX_CANDIDATES_BEFORE_NMS) : found;
    const kept = nonMaxSuppression(bounded, this.c.spec.nmsIou ?? 0.3, this.c.spec.maxDetections ?? 100);
    return { detections: toDetections(kept, this.c.labels) };
  }
}
