/**
 * Builds a camera's gate from its resolved settings: the `motion` mode (motion-gate.ts) or the
 * whole-frame `mean` mode (change-gate.ts).
 */
import { ChangeGate, type FrameGate } from './change-gate.js';
import { MotionGate, type MotionGateOptions } from './motion-gate.js';

/** A camera's gate settings, as the resolver gives them. */
export type GateSettings = ({ mode: 'motion' } & MotionGateOptions) | { mode: 'mean'; threshold: number };

/** A new gate (with no reference frame yet) for `settings`. */
export function createGate(settings: GateSettings): FrameGate {
  return settings.mode === 'mean' ? new ChangeGate(settings.threshold) : new MotionGate(settings);
}
