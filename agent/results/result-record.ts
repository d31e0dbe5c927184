/**
 * The record the agent keeps for every inference it decides to report: what was seen, by which
 * model, on which frame, and how long each stage took. It never holds image bytes; the JSON
 * Schema beside this file (result-record.schema.json) is the contract for cloud subscribers.
 */

/** Version of the record layout; bumped on any incompatible change. */
export const RESULT_SCHEMA_VERSION = 1 as const;

/** An axis-aligned box in source-image pixels (top-left corner, size). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point in source-image pixels. */
export interface Point {
  x: number;
  y: number;
}

/** One detected object. */
export interface Detection {
  label: string;
  score: number;
  box: Box;
  /** Keypoints such as YuNet's five face landmarks (eyes, nose tip, mouth corners). */
  landmarks?: Point[];
  /** The confirmed track this detection belongs to, when the model's tracker is on (docs/events.md). */
  trackId?: string;
}

/** One class of a classification result. */
export interface ClassScore {
  label: string;
  score: number;
}

/** Which model produced a record, pinned by content hash. */
export interface ModelRef {
  id: string;
  version: string;
  sha256: string;
}

/** Where the frame came from. */
export interface FrameRef {
  /** Camera or source name from config, or the file path for `edge-agent infer`. */
  source: string;
  /** Frame counter of that source, starting at 0. */
  seq: number;
  /** ISO 8601 time the frame was captured (or read). */
  capturedAt: string;
  width: number;
  height: number;
}

/** Milliseconds spent in each stage of the pipeline for this frame. */
export interface StageTiming {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

interface ResultRecordBase {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  /** Time-sortable unique id (ULID); subscribers deduplicate on it. */
  resultId: string;
  deviceId: string;
  model: ModelRef;
  frame: FrameRef;
  timing: StageTiming;
  /** Execution provider that actually ran the model (after any fallback), e.g. `cpu`. */
  provider: string;
}

/** A detection model's result. */
export interface DetectionRecord extends ResultRecordBase {
  detections: Detection[];
}

/** A classification model's result. */
export interface ClassificationRecord extends ResultRecordBase {
  classes: ClassScore[];
}

/** Everything the agent reports about one frame and one model. */
export type ResultRecord = DetectionRecord | ClassificationRecord;

/** What a decoder returns: detections or classes, before the record is assembled. */
export type DecodedOutput = { detections: Detection[] } | { classes: ClassScore[] };
