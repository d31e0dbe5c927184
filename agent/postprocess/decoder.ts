/**
 * The seam between a model's raw output tensors and the agent's results. One decoder per output
 * family (YOLOX, YuNet, Ultralytics anchor-free, YOLOv5/v7, end-to-end, SSD, Ultralytics pose,
 * softmax classification), chosen by the manifest's `decoder.name`; the families share the box,
 * letterbox and NMS code (anchor-rows.ts, detection-output.ts, candidate.ts, nms.ts).
 */
import type { OutputTensors } from '../inference/model-session.js';
import type { DecoderSpec } from '../models/manifest.js';
import type { FrameGeometry } from '../preprocess/geometry.js';
import type { DecodedOutput } from '../results/result-record.js';
import { decodeErrors } from './errors.js';

/** What a decoder needs besides the tensors. */
export interface DecodeContext {
  geometry: FrameGeometry;
  /** Minimum score to report. */
  scoreThreshold: number;
}

/** What every decoder is built from: the manifest's decoder section, its labels, and its first output's name. */
export interface DecoderConfig {
  spec: DecoderSpec;
  labels: readonly string[];
  /** The output a single-output decoder reads (YuNet reads its twelve by their fixed names). */
  outputName: string;
}

/** Turns output tensors into detections or classes in source-image pixels. */
export interface Decoder {
  readonly name: DecoderSpec['name'];
  decode(outputs: OutputTensors, context: DecodeContext): DecodedOutput;
}

/** Most candidates a decoder passes to NMS, highest scores first (OpenCV's YuNet default top-k). */
export const MAX_CANDIDATES_BEFORE_NMS = 5000;

/** Reads a named output or fails with the names that exist (a manifest/graph mismatch). */
export function requireOutput(outputs: OutputTensors, name: string): { data: Float32Array; dims: readonly number[] } {
  const t = outputs[name];
  if (t === undefined) {
    throw decodeErrors.EDGE_DECODE_OUTPUT_MISSING(`Expected model output "${name}" but the model returned ${Object.keys(outputs).join(', ')}`, { name, outputs: Object.keys(outputs) });
  }
  return t;
}
