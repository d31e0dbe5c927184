/** Converts suppressed candidates into the result record's detections. */
import type { Detection } from '../results/result-record.js';
import type { Candidate } from './candidate.js';

/** Rounds to 0.1 px / 1e-4 score: finer digits are noise and only grow every message. */
const px = (v: number) => Math.round(v * 10) / 10;
const sc = (v: number) => Math.round(v * 10000) / 10000;

/** Detections with labels from the manifest, boxes as x/y/width/height. */
export function toDetections(kept: readonly Candidate[], labels: readonly string[]): Detection[] {
  return kept.map((c) => {
    const d: Detection = {
      label: labels[c.label] ?? `class-${c.label}`,
      score: sc(Math.min(1, Math.max(0, c.score))),
      box: { x: px(c.x1), y: px(c.y1), width: px(c.x2 - c.x1), height: px(c.y2 - c.y1) },
    };
    if (c.landmarks) {
      const points = [];
      for (let i = 0; i + 1 < c.landmarks.length; i += 2) points.push({ x: px(c.landmarks[i] as number), y: px(c.landmarks[i + 1] as number) });
      d.landmarks = points;
    }
    return d;
  });
}
