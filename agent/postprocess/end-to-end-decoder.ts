/**
 * Models with NMS inside (YOLOv10, YOLO26's end-to-end export, DETR-style heads exported with
 * their post-processing): `[1, N, 6]` rows of x1, y1, x2, y2, score, class, in input pixels or,
 * when `normalized`, in 0..1 of the input size. The model already suppressed overlaps, so the agent
 * applies no NMS: it only thresholds, bounds and maps the boxes back to the source image.
 */
import type { DecodedOutput } from '../results/result-record.js';
import type { Candidate } from './candidate.js';
import { requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { candidateFromCorners, unsuppressedDetections } from './detection-output.js';
import { decodeErrors } from './errors.js';

/** Decoder for `end-to-end`. */
export class EndToEndDecoder implements Decoder {
  readonly name = 'end-to-end' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const { data, dims } = requireOutput(outputs, this.c.outputName);
    if (dims.length !== 3 || dims[2] !== 6) {
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected output "${this.c.outputName}" of shape [1, N, 6] (x1, y1, x2, y2, score, class) but received [${dims.join(', ')}]`, { dims: [...dims] });
    }
    const g = ctx.geometry;
    const sx = this.c.spec.normalized === true ? g.inputWidth : 1;
    const sy = this.c.spec.normalized === true ? g.inputHeight : 1;
    const rows = dims[1] ?? 0;
    const found: Candidate[] = [];
    for (let r = 0; r < rows; r++) {
      const o = r * 6;
      const score = data[o + 4] as number;
      if (!(score >= ctx.scoreThreshold)) continue;
      const label = Math.round(data[o + 5] as number);
      if (label < 0 || label >= this.c.labels.length) {
        throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected class indices 0..${this.c.labels.length - 1} (one per label) in "${this.c.outputName}" but row ${r} has ${data[o + 5]}; give the model's labels with --labels`, { row: r, label });
      }
      found.push(candidateFromCorners(g, label, score, (data[o] as number) * sx, (data[o + 1] as number) * sy, (data[o + 2] as number) * sx, (data[o + 3] as number) * sy));
    }
    return unsuppressedDetections(found, this.c);
  }
}
