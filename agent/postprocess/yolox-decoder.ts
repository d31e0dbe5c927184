/**
 * YOLOX output: [1, rows, 5 + classes], rows being anchor points of one grid per stride (row-major
 * y then x), columns (dx, dy, log w, log h, objectness, class scores...). The box centre is
 * (dx + x) * stride, the size exp(log) * stride, and a class's score is objectness * class score.
 */
import type { DecodedOutput } from '../results/result-record.js';
import { candidateFromCenter, type Candidate } from './candidate.js';
import { MAX_CANDIDATES_BEFORE_NMS, requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { decodeErrors } from './errors.js';
import { nonMaxSuppression } from './nms.js';
import { toDetections } from './to-detections.js';

/** Decoder for YOLOX-style anchor-free detectors. */
export class YoloxDecoder implements Decoder {
  readonly name = 'yolox' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const { data, dims } = requireOutput(outputs, this.c.outputName);
    const cols = dims[2] ?? 0;
    const rows = dims[1] ?? 0;
    const classes = cols - 5;
    const strides = this.c.spec.strides ?? [8, 16, 32];
    const { inputWidth, inputHeight } = ctx.geometry;
    const expectedRows = strides.reduce((n, s) => n + Math.floor(inputWidth / s) * Math.floor(inputHeight / s), 0);
    if (classes < 1 || rows !== expectedRows || classes !== this.c.labels.length) {
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(
        `Expected output "${this.c.outputName}" of shape [1, ${expectedRows}, ${5 + this.c.labels.length}] for strides ${strides.join('/')} and ${this.c.labels.length} labels but received [${dims.join(', ')}]`,
        { dims: [...dims], expectedRows },
      );
    }
    const found: Candidate[] = [];
    let row = 0;
    for (const stride of strides) {
      const gw = Math.floor(inputWidth / stride);
      const gh = Math.floor(inputHeight / stride);
      for (let gy = 0; gy < gh; gy++) {
        for (let gx = 0; gx < gw; gx++, row++) {
          const o = row * cols;
          const objectness = data[o + 4] as number;
          if (objectness < ctx.scoreThreshold) continue; // score = obj * cls <= obj
          let best = 0;
          let bestScore = -1;
          for (let c = 0; c < classes; c++) {
            const s = data[o + 5 + c] as number;
            if (s > bestScore) {
              bestScore = s;
              best = c;
            }
          }
          const score = objectness * bestScore;
          if (score < ctx.scoreThreshold) continue;
          const cx = ((data[o] as number) + gx) * stride;
          const cy = ((data[o + 1] as number) + gy) * stride;
          const w = Math.exp(data[o + 2] as number) * stride;
          const h = Math.exp(data[o + 3] as number) * stride;
          found.push(candidateFromCenter(ctx.geometry, best, score, cx, cy, w, h));
        }
      }
    }
    const bounded = found.length > MAX_CANDIDATES_BEFORE_NMS ? found.sort((a, b) => b.score - a.score).slice(0, MAX_CANDIDATES_BEFORE_NMS) : found;
    const kept = nonMaxSuppression(bounded, this.c.spec.nmsIou ?? 0.5, this.c.spec.maxDetections ?? 100);
    return { detections: toDetections(kept, this.c.labels) };
  }
}
