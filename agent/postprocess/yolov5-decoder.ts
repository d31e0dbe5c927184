/**
 * YOLOv5 and YOLOv7 exports: `[1, anchors, 5 + classes]`, each row cx, cy, w, h in input pixels,
 * objectness, then class scores; a class's score is objectness * class score.
 */
import type { DecodedOutput } from '../results/result-record.js';
import { anchorCandidates, anchorView } from './anchor-rows.js';
import { requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { suppressedDetections } from './detection-output.js';
import { decodeErrors } from './errors.js';

/** Decoder for `yolov5`. */
export class Yolov5Decoder implements Decoder {
  readonly name = 'yolov5' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const { data, dims } = requireOutput(outputs, this.c.outputName);
    const v = anchorView(data, dims, false);
    const classes = this.c.labels.length;
    if (dims.length !== 3 || v.channels !== 5 + classes) {
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected output "${this.c.outputName}" of shape [1, N, ${5 + classes}] (4 box values, objectness, ${classes} labels) but received [${dims.join(', ')}]`, { dims: [...dims] });
    }
    return suppressedDetections(anchorCandidates(v, { objectness: 4, firstClass: 5, classes }, ctx), this.c, 0.45);
  }
}
