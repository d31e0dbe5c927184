/**
 * SSD-style models with several outputs, as TF Object Detection API models converted to ONNX
 * have them: boxes [1, N, 4] as normalized ymin, xmin, ymax, xmax, scores [1, N], classes [1, N]
 * (float class ids, usually starting at 1) and a count [1]. NMS already ran inside the model.
 */
import type { DecodedOutput } from '../results/result-record.js';
import type { Candidate } from './candidate.js';
import { requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { candidateFromCorners, unsuppressedDetections } from './detection-output.js';
import { decodeErrors } from './errors.js';

/** Decoder for `ssd`. */
export class SsdDecoder implements Decoder {
  readonly name = 'ssd' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const names = this.c.spec.ssdOutputs ?? { boxes: 'detection_boxes', scores: 'detection_scores', classes: 'detection_classes', count: 'num_detections' };
    const boxes = requireOutput(outputs, names.boxes).data;
    const scores = requireOutput(outputs, names.scores).data;
    const classes = requireOutput(outputs, names.classes).data;
    const n = scores.length;
    if (boxes.length !== 4 * n || classes.length !== n) {
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected ${n} boxes x 4 and ${n} classes beside ${n} scores but received ${boxes.length / 4} boxes and ${classes.length} classes`, { scores: n });
    }
    const count = names.count === undefined ? n : Math.min(n, Math.max(0, Math.round(requireOutput(outputs, names.count).data[0] ?? n)));
    const g = ctx.geometry;
    const offset = this.c.spec.classOffset ?? 0;
    const found: Candidate[] = [];
    for (let i = 0; i < count; i++) {
      const score = scores[i] as number;
      if (!(score >= ctx.scoreThreshold)) continue;
      const label = Math.round(classes[i] as number) - offset;
      if (label < 0 || label >= this.c.labels.length) continue; // TF's background or an id beyond the labels
      const b = 4 * i;
      found.push(candidateFromCorners(g, label, score, (boxes[b + 1] as number) * g.inputWidth, (boxes[b] as number) * g.inputHeight, (boxes[b + 3] as number) * g.inputWidth, (boxes[b + 2] as number) * g.inputHeight));
    }
    return unsuppressedDetections(found, this.c);
  }
}
