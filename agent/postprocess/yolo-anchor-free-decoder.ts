/**
 * Ultralytics anchor-free detectors (YOLOv8, YOLO11 and later): `[1, 4 + classes, anchors]` as
 * Ultralytics exports it, or `[1, anchors, 4 + classes]` when `transposed`. Boxes are cx, cy, w, h
 * in input pixels; class scores are final (no objectness).
 */
import type { DecodedOutput } from '../results/result-record.js';
import { anchorCandidates, anchorView } from './anchor-rows.js';
import { requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { suppressedDetections } from './detection-output.js';
import { decodeErrors } from './errors.js';

/** Decoder for `yolo-anchor-free`. */
export class YoloAnchorFreeDecoder implements Decoder {
  readonly name = 'yolo-anchor-free' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const { data, dims } = requireOutput(outputs, this.c.outputName);
    const transposed = this.c.spec.transposed === true;
    const v = anchorView(data, dims, !transposed);
    const classes = this.c.labels.length;
    if (dims.length !== 3 || v.channels !== 4 + classes) {
      const want = transposed ? `[1, N, ${4 + classes}]` : `[1, ${4 + classes}, N]`;
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected output "${this.c.outputName}" of shape ${want} (4 box values + ${classes} labels) but received [${dims.join(', ')}]`, { dims: [...dims] });
    }
    return suppressedDetections(anchorCandidates(v, { firstClass: 4, classes }, ctx), this.c, 0.45);
  }
}
