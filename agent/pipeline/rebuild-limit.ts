/**
 * How many stuck-inference rebuilds one model may have. Rebuilding a session fixes a wedged call
 * once; a model that wedges again and again (a driver fault, a broken accelerator, memory running
 * out) only piles up sessions that never come back, each holding its memory. After `maxRebuilds`
 * within `windowMs` the model is given up, and the agent asks its supervisor for a restart.
 */

/** The bound, as resolved from `inference.maxRebuilds` and `inference.rebuildWindowSeconds`. */
export interface RebuildLimit {
  maxRebuilds: number;
  windowMs: number;
}

/** Why a model was given up, worded for `/readyz` and the log. */
export interface GivenUp {
  /** Rebuilds within the window when the model was given up (equal to `maxRebuilds`). */
  rebuilds: number;
  windowMs: number;
  reason: string;
}

/** Counts rebuilds per model within a sliding window; a model given up stays given up. */
export class RebuildCounter {
  private readonly limit: RebuildLimit;
  private readonly now: () => number;
  private readonly recent = new Map<string, number[]>();
  private readonly givenUpModels = new Map<string, GivenUp>();

  constructor(limit: RebuildLimit, now: () => number = Date.now) {
    this.limit = limit;
    this.now = now;
  }

  /** Records one rebuild of `id`; returns why it is given up when this one reached the limit. */
  record(id: string): GivenUp | undefined {
    const at = this.now();
    const kept = (this.recent.get(id) ?? []).filter((t) => at - t < this.limit.windowMs);
    kept.push(at);
    this.recent.set(id, kept);
    if (kept.length < this.limit.maxRebuilds) return undefined;
    const seconds = Math.round(this.limit.windowMs / 1000);
    const given: GivenUp = {
      rebuilds: kept.length,
      windowMs: this.limit.windowMs,
      reason: `its session was rebuilt ${kept.length} time${kept.length === 1 ? '' : 's'} within ${seconds} s after inferences that gave no result (inference.maxRebuilds ${this.limit.maxRebuilds}, inference.rebuildWindowSeconds ${seconds})`,
    };
    this.givenUpModels.set(id, given);
    return given;
  }

  /** Why `id` was given up, or undefined while it may still be rebuilt. */
  givenUp(id: string): GivenUp | undefined {
    return this.givenUpModels.get(id);
  }
}
