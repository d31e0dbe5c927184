/**
 * Plane geometry for zones and lines, in normalized frame coordinates (0..1 on both axes, y down,
 * as images are stored). An object's position is the bottom centre of its box, where it stands
 * on the ground, so a zone drawn on the floor contains the people standing in it.
 */
import type { Box } from '../results/result-record.js';

/** A point in normalized frame coordinates. */
export type NormPoint = readonly [number, number];

/**
 * The bottom centre of `box` (source pixels) in normalized coordinates of a `width` x `height`
 * frame, kept on the centres of the frame's outermost pixels. A person near the camera is cut off
 * by the bottom edge, and the detector's box then ends exactly at y = 1: on the edge of any zone
 * drawn down to the bottom of the frame, where the point-in-polygon test may say "outside" (the
 * ground-truth sequences showed a track standing in such a zone reported as leaving and entering
 * it again).
 */
export function anchorOf(box: Box, width: number, height: number): NormPoint {
  const x = (box.x + box.width / 2) / width;
  const y = (box.y + box.height) / height;
  return [Math.min(Math.max(x, 0.5 / width), 1 - 0.5 / width), Math.min(Math.max(y, 0.5 / height), 1 - 0.5 / height)];
}

/** True when `p` lies inside `polygon` (even-odd rule; a point on an edge may fall either way). */
export function insidePolygon(p: NormPoint, polygon: readonly NormPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as NormPoint;
    const [xj, yj] = polygon[j] as NormPoint;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Which side of the directed line `from`→`to` the point is on: the sign of the cross product (0 on the line). */
export function sideOf(p: NormPoint, from: NormPoint, to: NormPoint): number {
  return Math.sign((to[0] - from[0]) * (p[1] - from[1]) - (to[1] - from[1]) * (p[0] - from[0]));
}

/** Direction of a crossing: `forward` is `to - from` turned a quarter turn counter-clockwise as seen on the image. */
export type CrossingDirection = 'forward' | 'backward';

/**
 * Whether the step `a`→`b` crosses the segment `from`→`to`, and in which direction. With `from`
 * at the top and `to` at the bottom of the image, `forward` is left to right. A step that ends on
 * the line does not cross yet; the next step that leaves it to the other side does.
 */
export function crossing(a: NormPoint, b: NormPoint, from: NormPoint, to: NormPoint): CrossingDirection | undefined {
  const sa = sideOf(a, from, to);
  const sb = sideOf(b, from, to);
  if (sa === 0 || sb === 0 || sa === sb) return undefined;
  // The step's endpoints are on opposite sides of the line; it crosses the segment when the
  // segment's endpoints are on opposite sides of the step too.
  const s1 = sideOf(from, a, b);
  const s2 = sideOf(to, a, b);
  if (s1 !== 0 && s1 === s2) return undefined;
  // y points down, so a positive cross product is the clockwise side as seen: moving from it to the other side is forward.
  return sa > 0 ? 'forward' : 'backward';
}

/** Intersection over union of two boxes (0 when they do not overlap). */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  if (inter === 0) return 0;
  return inter / (a.width * a.height + b.width * b.height - inter);
}
