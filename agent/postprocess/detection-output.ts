/**
 * What every box decoder does after it has candidates: bound them, suppress overlaps (or not, for
 * models that ran NMS themselves), and turn the survivors into the record's detections.
 */
import type { FrameGeometry } from '../preprocess/geometry.js';
import { toSourceX, toSourceY } from '../preprocess/geometry.js';
import type { DecodedOutput } from '../results/result-record.js';
import type { Candidate } from './candidate.js';
import { MAX_CANDIDATES_BEFORE_NMS, type DecoderConfig } from './decoder.js';
import { nonMaxSuppression } from './nms.js';
import { toDetections } from './to-detections.js';

/** Builds a candidate from corner coordinates in model-input pixels, mapped to source pixels and clipped. */
export function candidateFromCorners(g: FrameGeometry, label: number, score: number, x1: number, y1: number, x2: number, y2: number): Candidate {
  const clipX = (v: number) => Math.min(g.sourceWidth, Math.max(0, v));
  const clipY = (v: number) => Math.min(g.sourceHeight, Math.max(0, v));
  return { label, score, x1: clipX(toSourceX(g, x1)), y1: clipY(toSourceY(g, y1)), x2: clipX(toSourceX(g, x2)), y2: clipY(toSourceY(g, y2)) };
}

/** Keeps the highest-scoring `MAX_CANDIDATES_BEFORE_NMS` so a flood of low boxes cannot stall NMS. */
export function boundCandidates(found: Candidate[]): Candidate[] {
  return found.length > MAX_CANDIDATES_BEFORE_NMS ? found.sort((a, b) => b.score - a.score).slice(0, MAX_CANDIDATES_BEFORE_NMS) : found;
}

/** NMS with the manifest's IoU (or `defaultIou`) and maximum, then the record's detections. */
export function suppressedDetections(found: Candidate[], c: DecoderConfig, defaultIou: number): DecodedOutput {
  const kept = nonMaxSuppression(boundCandidates(found), c.spec.nmsIou ?? defaultIou, c.spec.maxDetections ?? 100);
  return { detections: toDetections(kept, c.labels) };
}

/** For models that already ran NMS: only the highest scores up to the maximum, no suppression. */
export function unsuppressedDetections(found: Candidate[], c: DecoderConfig): DecodedOutput {
  const kept = found
    .filter((k) => k.x2 > k.x1 && k.y2 > k.y1)
    .sort((a, b) => b.score - a.score)
    .slice(0, c.spec.maxDetections ?? 100);
  return { detections: toDetections(kept, c.labels) };
}
