/**
 * Ultralytics pose models: `[1, 5 + 3K, anchors]` (or transposed), each anchor cx, cy, w, h in
 * input pixels, the person score, then K keypoints as x, y, visibility. Keypoints are published as
 * the detection's landmarks, like YuNet's.
 */
import type { DecodedOutput } from '../results/result-record.js';
import { anchorCandidates, anchorView } from './anchor-rows.js';
import { requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { suppressedDetections } from './detection-output.js';
import { decodeErrors } from './errors.js';

/** Decoder for `ultralytics-pose`. */
export class UltralyticsPoseDecoder implements Decoder {
  readonly name = 'ultralytics-pose' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const { data, dims } = requireOutput(outputs, this.c.outputName);
    const v = anchorView(data, dims, this.c.spec.transposed !== true);
    const classes = this.c.labels.length;
    const keypoints = this.c.spec.keypoints ?? 17;
    const channels = 4 + classes + 3 * keypoints;
    if (dims.length !== 3 || v.channels !== channels) {
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected output "${this.c.outputName}" with ${channels} channels (4 box values, ${classes} class scores, ${keypoints} keypoints x 3) but received [${dims.join(', ')}]`, { dims: [...dims] });
    }
    return suppressedDetections(anchorCandidates(v, { firstClass: 4, classes, firstKeypoint: 4 + classes, keypoints }, ctx), this.c, 0.45);
  }
}
