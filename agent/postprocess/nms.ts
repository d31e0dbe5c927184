/**
 * Class-aware greedy non-maximum suppression: a box suppresses only lower-scoring boxes of the
 * same label, so a person and a bag that overlap both survive.
 */
import { iou, type Candidate } from './candidate.js';

/** Keeps the best boxes per label; `maxKept` bounds the result, highest score first. */
export function nonMaxSuppression(candidates: readonly Candidate[], iouThreshold: number, maxKept: number): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= maxKept) break;
    if (c.x2 <= c.x1 || c.y2 <= c.y1) continue;
    let suppressed = false;
    for (const k of kept) {
      if (k.label === c.label && iou(k, c) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(c);
  }
  return kept;
}
