/**
 * The count record: what the `counts` report policy keeps instead of per-frame results, one per
 * interval of `report.intervalSeconds` per camera and model. It says how many distinct tracked
 * objects were seen, per label and per zone, how many crossed each line in each direction, and
 * the most seen at once. It never holds image bytes; agent/publish/schemas/counts-message.schema.json
 * is the contract for cloud subscribers, and docs/messages.md states the guarantees.
 */
import type { ModelRef } from './result-record.js';

/** Version of the count layout; bumped on any incompatible change. */
export const COUNT_SCHEMA_VERSION = 1 as const;

/**
 * Why an interval is shorter than `intervalSeconds`: the policy began inside it (the agent
 * started, or a reconfiguration put a new policy in place), or it was cut short by the agent
 * stopping or by a reconfiguration replacing the policy.
 */
export type PartialReason = 'started' | 'shutdown' | 'reconfigured';

/** Tracks of one label seen in the interval. */
export interface LabelCount {
  label: string;
  /** Distinct confirmed tracks matched in at least one inferred frame of the interval. */
  tracks: number;
  /** The most confirmed tracks of this label matched in one inferred frame. */
  maxAtOnce: number;
}

/** Tracks of one label that were in one zone during the interval. */
export interface ZoneCount {
  zone: string;
  label: string;
  /** Distinct confirmed tracks inside the zone (after its `minDwellSeconds`) in at least one inferred frame of the interval. */
  tracks: number;
}

/** Crossings of one line by objects of one label during the interval. */
export interface LineCount {
  line: string;
  label: string;
  forward: number;
  backward: number;
}

/** Counts of one camera and model over one interval. */
export interface CountRecord {
  schemaVersion: typeof COUNT_SCHEMA_VERSION;
  kind: 'counts';
  /** This message's id (ULID, time-sortable, unique); deduplicate on it. */
  resultId: string;
  deviceId: string;
  /** Camera name from the configuration. */
  camera: string;
  model: ModelRef;
  /** ISO 8601 start of the time covered (inclusive): a multiple of the interval, or when the policy began. */
  intervalStart: string;
  /** ISO 8601 end of the time covered (exclusive): the next multiple of the interval, or when the policy was closed. */
  intervalEnd: string;
  /** The configured interval length. */
  intervalSeconds: number;
  /** True when the time covered is shorter than `intervalSeconds`; `partialReason` says why. */
  partial: boolean;
  /** Partial intervals only. */
  partialReason?: PartialReason;
  /** Frames this model inferred in the interval. */
  framesInferred: number;
  /** Frames the camera's change gate skipped in the interval (nothing moved). */
  framesSkipped: number;
  /** Per label seen, sorted by label; a label not listed was not seen. */
  labels: LabelCount[];
  /** Per zone and label with at least one track, sorted; a pair not listed is 0. */
  zones: ZoneCount[];
  /** Per line and label with at least one crossing, sorted; a pair not listed is 0. */
  lines: LineCount[];
}
