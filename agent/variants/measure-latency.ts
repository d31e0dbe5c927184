/**
 * Measures each variant on this device the way the agent runs it: a ModelRunner per candidate,
 * a few warm-up frames, then per-frame latency (preprocess, session run, decode) over real
 * frames. One candidate is loaded at a time, so measuring never holds two models in memory.
 */
import type { Frame } from '../capture/frame.js';
import { ModelRunner, type RunnerOptions } from '../pipeline/model-runner.js';
import type { ModelStore } from '../models/model-store.js';
import type { VariantCandidate } from './candidates.js';
import type { MeasuredCandidate } from './variant-selector.js';

/** How many frames to spend per candidate. */
export interface MeasureOptions {
  /** Frames run and discarded first (default 3). */
  readonly warmUpFrames?: number;
  /** Frames timed (default 20). */
  readonly measuredFrames?: number;
}

/** Runs `frames` (cycled) through every candidate and returns its latency percentiles. */
export async function measureCandidates(
  store: ModelStore,
  candidates: readonly VariantCandidate[],
  frames: readonly Frame[],
  runnerOptions: RunnerOptions,
  options: MeasureOptions = {},
): Promise<MeasuredCandidate[]> {
  if (frames.length === 0) throw new RangeError('Expected at least one frame to measure variants on but received none');
  const warmUp = options.warmUpFrames ?? 3;
  const measured = options.measuredFrames ?? 20;
  const out: MeasuredCandidate[] = [];
  for (const candidate of candidates) {
    const runner = await ModelRunner.load(store, candidate.id, { ...runnerOptions, warmUp: false });
    try {
      const times: number[] = [];
      for (let i = 0; i < warmUp + measured; i++) {
        const frame = frames[i % frames.length]!;
        const t0 = performance.now();
        await runner.infer(frame);
        if (i >= warmUp) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const at = (q: number): number => times[Math.min(times.length - 1, Math.max(0, Math.ceil(q * times.length) - 1))]!;
      out.push({ ...candidate, p50Ms: at(0.5), p95Ms: at(0.95) });
    } finally {
      await runner.close();
    }
  }
  return out;
}
