/**
 * Ground truth of a generated sequence, worked out from the known paths alone: each person's box
 * in each frame, and the zone and line events those boxes make. The events are derived with plain
 * comparisons against the upright zone and the vertical line of `SCENE`, not with the agent's
 * geometry code, so a fault there shows up as a difference.
 */
import type { Box } from '../../../agent/results/result-record.js';
import { SCENE, type PersonPath } from './scenarios.js';

/** One person in one frame. */
export interface PersonBox {
  person: string;
  /** Pixels, as pasted. */
  box: Box;
}

/** A change the `events` policy should report, as in `EventRecord.changes`. */
export type ExpectedChange = { type: 'zone-entered' | 'zone-left'; zone: string } | { type: 'line-crossed'; line: string; direction: 'forward' | 'backward' };

/** The anchor (bottom centre, normalized) of `path` at `frame`, or undefined when the person is not in that frame. */
export function anchorAt(path: PersonPath, frame: number): { x: number; y: number } | undefined {
  const w = path.waypoints;
  const first = w[0];
  const last = w[w.length - 1];
  if (first === undefined || last === undefined || frame < first.frame || frame > last.frame) return undefined;
  for (let i = 1; i < w.length; i++) {
    const a = w[i - 1];
    const b = w[i];
    if (a === undefined || b === undefined || frame > b.frame) continue;
    const f = b.frame === a.frame ? 1 : (frame - a.frame) / (b.frame - a.frame);
    return { x: a.x + f * (b.x - a.x), y: a.y + f * (b.y - a.y) };
  }
  return { x: first.x, y: first.y };
}

/** The box of a `width` x `height` person on `path` at `frame` in a `frameWidth` x `frameHeight` frame: whole pixels, kept inside the frame. */
export function boxAt(path: PersonPath, frame: number, size: { width: number; height: number }, frameWidth: number, frameHeight: number): Box | undefined {
  const a = anchorAt(path, frame);
  if (a === undefined) return undefined;
  const x = Math.min(frameWidth - size.width, Math.max(0, Math.round(a.x * frameWidth - size.width / 2)));
  const y = Math.min(frameHeight - size.height, Math.max(0, Math.round(a.y * frameHeight - size.height)));
  return { x, y, width: size.width, height: size.height };
}

/** The zone and line changes of a person whose boxes, frame by frame, are `boxes` (undefined: not visible). */
export function expectedChanges(boxes: readonly (Box | undefined)[], frameWidth: number, frameHeight: number): ExpectedChange[] {
  const { zone, line } = SCENE;
  const out: ExpectedChange[] = [];
  let inZone = false;
  let side = 0;
  for (const box of boxes) {
    if (box === undefined) continue;
    const x = (box.x + box.width / 2) / frameWidth;
    const y = (box.y + box.height) / frameHeight;
    const inside = x > zone.left && x < zone.right && y > zone.top && y <= zone.bottom;
    if (inside !== inZone) out.push({ type: inside ? 'zone-entered' : 'zone-left', zone: zone.name });
    inZone = inside;
    const s = Math.sign(x - line.x);
    if (s !== 0 && side !== 0 && s !== side) out.push({ type: 'line-crossed', line: line.name, direction: s > 0 ? 'forward' : 'backward' });
    if (s !== 0) side = s;
  }
  // A track that ends inside a zone gets no `zone-left` (its end event says so), and none is expected:
  // the scenarios make every person leave the zone before they go.
  return out;
}
