/**
 * The shared reading of YOLO-family outputs that hold one row per anchor: a [1, C, N] tensor
 * (channels first, Ultralytics' own export) or [1, N, C] (anchors first, YOLOv5 and most
 * re-exports), each anchor carrying cx, cy, w, h in input pixels, optionally an objectness, then
 * one score per class.
 */
import type { Candidate } from './candidate.js';
import { candidateFromCenter } from './candidate.js';
import { toSourceX, toSourceY } from '../preprocess/geometry.js';
import type { DecodeContext } from './decoder.js';

/** A rank-3 output seen as anchors x channels whatever its memory order. */
export interface AnchorView {
  data: Float32Array;
  anchors: number;
  channels: number;
  /** Element (anchor a, channel c) is data[a * anchorStep + c * channelStep]. */
  anchorStep: number;
  channelStep: number;
}

/** Views `[1, d1, d2]` as anchors x channels; `channelsFirst` means d1 is the channel axis. */
export function anchorView(data: Float32Array, dims: readonly number[], channelsFirst: boolean): AnchorView {
  const d1 = dims[1] ?? 0;
  const d2 = dims[2] ?? 0;
  return channelsFirst ? { data, anchors: d2, channels: d1, anchorStep: 1, channelStep: d2 } : { data, anchors: d1, channels: d2, anchorStep: d2, channelStep: 1 };
}

/** How the channels after the box are laid out. */
export interface AnchorColumns {
  /** Channel of the objectness score, multiplied into every class score; none for anchor-free models. */
  objectness?: number;
  /** Channel of the first class score. */
  firstClass: number;
  classes: number;
  /** Channel of the first keypoint (x, y, visibility triples) for pose models. */
  firstKeypoint?: number;
  keypoints?: number;
}

/** One candidate per anchor whose best class scores at least the threshold. */
export function anchorCandidates(v: AnchorView, cols: AnchorColumns, ctx: DecodeContext): Candidate[] {
  const { data, anchorStep: as, channelStep: cs } = v;
  const found: Candidate[] = [];
  for (let a = 0; a < v.anchors; a++) {
    const o = a * as;
    const objectness = cols.objectness === undefined ? 1 : (data[o + cols.objectness * cs] as number);
    if (objectness < ctx.scoreThreshold) continue; // every class score is <= objectness * 1
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < cols.classes; c++) {
      const s = data[o + (cols.firstClass + c) * cs] as number;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    const score = objectness * bestScore;
    if (score < ctx.scoreThreshold) continue;
    const cand = candidateFromCenter(ctx.geometry, best, score, data[o] as number, data[o + cs] as number, data[o + 2 * cs] as number, data[o + 3 * cs] as number);
    if (cols.firstKeypoint !== undefined && cols.keypoints !== undefined) {
      const g = ctx.geometry;
      const points: number[] = [];
      for (let k = 0; k < cols.keypoints; k++) {
        const base = o + (cols.firstKeypoint + 3 * k) * cs;
        points.push(toSourceX(g, data[base] as number), toSourceY(g, data[base + cs] as number));
      }
      cand.landmarks = points;
    }
    found.push(cand);
  }
  return found;
}
