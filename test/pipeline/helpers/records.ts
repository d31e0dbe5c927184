/**
 * Detection records as the model runner makes them, for the report-policy tests (events, counts,
 * and their messages through the outbox), and boxes placed by where an object stands.
 */
import { newResultId } from '../../../agent/results/result-id.js';
import type { Detection, DetectionRecord } from '../../../agent/results/result-record.js';

/** The frame and model a test's records claim. */
export interface RecordShape {
  width: number;
  height: number;
  modelId: string;
}

const defaults: RecordShape = { width: 640, height: 480, modelId: 'person-yolox-192' };

/** One inferred frame of camera `door` at `atMs` with `detections`. */
export function detectionRecord(seq: number, atMs: number, detections: Detection[], shape: Partial<RecordShape> = {}): DetectionRecord {
  const { width, height, modelId } = { ...defaults, ...shape };
  return {
    schemaVersion: 1, resultId: newResultId(), deviceId: 'dev-1', provider: 'cpu',
    model: { id: modelId, version: '1', sha256: 'a'.repeat(64) },
    frame: { source: 'door', seq, capturedAt: new Date(atMs).toISOString(), width, height },
    timing: { preprocessMs: 1, inferenceMs: 2, postprocessMs: 0.5 }, detections,
  };
}

/** A 50 x 100 box whose bottom centre (where the object stands) is at (x, y), normalized, in a `width` x `height` frame. */
export function standingAt(x: number, y: number, frame: { width: number; height: number }, label = 'person', score = 0.9): Detection {
  return { label, score, box: { x: x * frame.width - 25, y: y * frame.height - 100, width: 50, height: 100 } };
}
