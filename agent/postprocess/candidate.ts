/**
 * A detection before suppression, as corner coordinates in source-image pixels. Decoders emit
 * these; NMS and the record builder consume them.
 */
import type { FrameGeometry } from '../preprocess/geometry.js';
import { toSourceX, toSourceY } from '../preprocess/geometry.js';

/** One scored box with its label index and optional keypoints (flat x,y pairs). */
export interface Candidate {
  label: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  landmarks?: number[];
}

/** Intersection over union of two candidates (0 when either is empty). */
export function iou(a: Candidate, b: Candidate): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Builds a candidate from a centre-size box in model-input pixels, mapped back to source pixels
 * and clipped to the source image.
 */
export function candidateFromCenter(g: FrameGeometry, label: number, score: number, cx: number, cy: number, w: number, h: number): Candidate {
  const clipX = (v: number) => Math.min(g.sourceWidth, Math.max(0, v));
  const clipY = (v: number) => Math.min(g.sourceHeight, Math.max(0, v));
  return {
    label,
    score,
    x1: clipX(toSourceX(g, cx - w / 2)),
    y1: clipY(toSourceY(g, cy - h / 2)),
    x2: clipX(toSourceX(g, cx + w / 2)),
    y2: clipY(toSourceY(g, cy + h / 2)),
  };
}
