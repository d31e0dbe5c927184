/**
 * Plays a generated sequence through the real pipeline pieces in the order the camera loop uses
 * them: the camera's gate (told how many objects its policies track), then the model on frames
 * that pass, then each model's report policy; a skipped frame tells the policies nothing moved.
 * Frame times advance by the sequence's interval from a fixed start, so runs repeat exactly.
 * Several "lanes" (a gate and its policies, as one camera each) share one inference per frame.
 */
import type { Frame } from '../../../agent/capture/frame.js';
import type { FrameGate, GateDecision } from '../../../agent/pipeline/change-gate.js';
import { createGate } from '../../../agent/pipeline/create-gate.js';
import type { ModelRunner } from '../../../agent/pipeline/model-runner.js';
import { ReportPolicy, type ReportOutcome } from '../../../agent/pipeline/report-policy.js';
import { decodeThreshold, keepClasses } from '../../../agent/postprocess/class-filter.js';
import type { CountRecord } from '../../../agent/results/count-record.js';
import type { EventRecord } from '../../../agent/results/event-record.js';
import type { DetectionRecord, ResultRecord } from '../../../agent/results/result-record.js';
import type { CameraSettings } from '../../../agent/runtime/resolve.js';
import type { GroundTruthSequence } from './sequence.js';

/** A message a policy kept: a result, an event, or a count record. */
export type KeptMessage = ResultRecord | EventRecord | CountRecord;

/** One camera as played: its gate and its one model's policy. */
export interface Lane {
  name: string;
  settings: CameraSettings;
  gate: FrameGate | undefined;
  policy: ReportPolicy;
}

/** What one lane did over the sequence. */
export interface LanePlay {
  /** Per frame: the gate's decision (undefined with the gate off). */
  decisions: (GateDecision | undefined)[];
  /** Per frame: the model's record as the policy received it (undefined when the gate skipped it). */
  records: (DetectionRecord | undefined)[];
  /** Per frame: what the policy kept from it (the last frame's entry includes what `close` sent). */
  kept: KeptMessage[][];
}

/** First frame's capture time: 2024-05-01T10:00:00Z. */
export const START_MS = Date.parse('2024-05-01T10:00:00Z');

/** A lane for `settings` (its first model), with a fresh gate and policy as the agent runtime builds them. */
export function laneFor(name: string, settings: CameraSettings): Lane {
  const m = settings.models[0];
  if (m === undefined) throw new Error(`lane ${name}: the camera has no model`);
  // As agent-runtime.ts builds it, minus the open-events journal (nothing crashes here).
  const policy = new ReportPolicy({ ...m.report, tracking: m.tracking, scene: settings.scene });
  return { name, settings, gate: settings.gate === undefined ? undefined : createGate(settings.gate), policy };
}

/** Infers one frame once, whichever lane asks first (records only depend on the frame and the threshold). */
export class InferenceCache {
  private readonly records = new Map<string, DetectionRecord>();
  constructor(private readonly runner: ModelRunner) {}

  async infer(sequence: GroundTruthSequence, index: number, frame: Frame, settings: CameraSettings): Promise<DetectionRecord> {
    const m = settings.models[0];
    if (m === undefined) throw new Error('no model');
    const key = `${sequence.name}#${index}#${m.threshold}`;
    const hit = this.records.get(key);
    if (hit !== undefined) return { ...hit, frame: { ...hit.frame, seq: index } };
    const raw = await this.runner.infer(frame, decodeThreshold(m.threshold, m.classFilter));
    const record = keepClasses(raw, m.threshold, m.classFilter);
    if (!('detections' in record)) throw new Error(`expected detections from ${m.id}, got classes`);
    this.records.set(key, record);
    return record;
  }
}

function keptOf(o: ReportOutcome): KeptMessage[] {
  return [...(o.record === undefined ? [] : [o.record]), ...o.events, ...o.counts];
}

/** Plays `sequence` through every lane. */
export async function play(sequence: GroundTruthSequence, lanes: readonly Lane[], cache: InferenceCache): Promise<Map<string, LanePlay>> {
  const out = new Map<string, LanePlay>(lanes.map((l) => [l.name, { decisions: [], records: [], kept: [] }]));
  for (const lane of lanes) {
    // As the camera loop does before its first frame (a `counts` policy starts its interval here).
    const first = lane.policy.recovered(START_MS);
    if (first.length > 0) throw new Error(`lane ${lane.name}: nothing was open, but recovered ${first.length}`);
  }
  for (let i = 0; i < sequence.frames; i++) {
    const nowMs = START_MS + i * sequence.frameIntervalMs;
    const image = await sequence.frame(i);
    const frame: Frame = { source: 'door', seq: i, capturedAt: new Date(nowMs), image };
    for (const lane of lanes) {
      const p = out.get(lane.name) as LanePlay;
      const decision = lane.gate === undefined ? undefined : await lane.gate.check(image, { nowMs, trackedObjects: lane.policy.trackedObjects });
      p.decisions.push(decision);
      if (decision !== undefined && !decision.pass) {
        lane.policy.skipped(nowMs);
        p.records.push(undefined);
        // The camera loop asks for due count records on a timer, frames or not.
        p.kept.push(lane.policy.dueCounts(nowMs));
        continue;
      }
      const record = await cache.infer(sequence, i, frame, lane.settings);
      p.records.push(record);
      p.kept.push(keptOf(lane.policy.apply(record, nowMs)));
    }
  }
  const endMs = START_MS + sequence.frames * sequence.frameIntervalMs;
  for (const lane of lanes) {
    const p = out.get(lane.name) as LanePlay;
    const last = p.kept[p.kept.length - 1];
    last?.push(...lane.policy.close(endMs), ...lane.policy.dueCounts(endMs));
  }
  return out;
}

/** Per frame, the result record the policy kept (with `trackId`s when tracking is on); undefined when none was kept. */
export function keptRecords(play: LanePlay): (DetectionRecord | undefined)[] {
  return play.kept.map((k) => k.find((m): m is DetectionRecord => 'detections' in m));
}

/** The events among `kept`, in order. */
export function eventsOf(play: LanePlay): EventRecord[] {
  return play.kept.flat().filter((k): k is EventRecord => 'kind' in k && k.kind === 'event');
}
