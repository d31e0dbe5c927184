/**
 * Picks which variant of a model to run and when to change it. Pure logic over numbers: the
 * caller measures (measure-latency.ts) and feeds observed per-frame latencies; a clock is injected
 * so tests drive time.
 *
 * Start: the most accurate candidate whose measured p95 meets the frame budget and whose file
 * size x `memoryFactor` fits the memory budget.
 * Step down: when the observed p95 stays above the frame budget for `stepDownAfterMs`.
 * Step up: when the more accurate neighbour's predicted p95 (its measured p95 scaled by how much
 * slower the current variant runs now than when it was measured) stays under
 * `headroom` x budget for `stepUpAfterMs`. The gap between 1 and `headroom`, the long wait to
 * step up, and a wait that doubles each time a step up had to be undone, keep it from oscillating.
 */

import type { VariantCandidate } from './candidates.js';

/** Latencies measured for one candidate on this device (milliseconds). */
export interface MeasuredCandidate extends VariantCandidate {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Why the selector changed variant. */
export type SwitchReason = 'initial' | 'over-budget' | 'headroom' | 'remeasured';

/** One change of variant, for the runtime to log, count and expose. */
export interface VariantSwitch {
  /** Previous variant id; null for the first choice. */
  readonly from: string | null;
  readonly to: string;
  readonly reason: SwitchReason;
  /** A sentence with the numbers behind the decision. */
  readonly detail: string;
  /** Clock time of the switch (ms). */
  readonly atMs: number;
}

/** Budgets and timing of the selector. */
export interface VariantSelectorOptions {
  /** Time per frame the camera allows (1000 / fps), in ms. */
  readonly frameBudgetMs: number;
  /** Memory the device profile allows for models, in bytes. */
  readonly memoryBudgetBytes: number;
  /** Resident memory of a loaded model as a multiple of its file size (default 4). */
  readonly memoryFactor?: number;
  /** Over budget this long before stepping down (default 10 s). */
  readonly stepDownAfterMs?: number;
  /** Headroom this long before stepping up (default 60 s); doubled for each undone step up. */
  readonly stepUpAfterMs?: number;
  /** Step up only when the predicted p95 is under this share of the budget (default 0.75). */
  readonly headroom?: number;
  /** Observed latencies kept for the p95 (default 60 frames). */
  readonly windowFrames?: number;
  /** Observations needed after a switch before any decision (default 20). */
  readonly minFrames?: number;
  /** A step down within this long of stepping up counts as undoing it (default 5 min). */
  readonly undoWindowMs?: number;
  /** Milliseconds now; default `performance.now`. */
  readonly clock?: () => number;
}

const maxHistory = 100;

/** Chooses and re-chooses among the variants of one model. */
export class VariantSelector {
  private candidates: MeasuredCandidate[];
  private readonly budgetMs: number;
  private readonly memoryBudgetBytes: number;
  private readonly memoryFactor: number;
  private readonly stepDownAfterMs: number;
  private readonly stepUpAfterMs: number;
  private readonly headroom: number;
  private readonly windowFrames: number;
  private readonly minFrames: number;
  private readonly undoWindowMs: number;
  private readonly clock: () => number;
  private currentIndex = 0;
  private window: number[] = [];
  private overSince: number | undefined;
  private headroomSince: number | undefined;
  /** Per candidate id: how many times a step up to it was undone (its wait doubles each time). */
  private readonly undone = new Map<string, number>();
  private lastStepUp: { to: string; atMs: number } | undefined;
  private readonly history: VariantSwitch[] = [];

  constructor(measured: readonly MeasuredCandidate[], options: VariantSelectorOptions) {
    if (measured.length === 0) throw new RangeError('Expected at least one variant candidate but received none');
    if (!(options.frameBudgetMs > 0)) throw new RangeError(`Expected frameBudgetMs > 0 but received ${options.frameBudgetMs}`);
    this.candidates = [...measured].sort((a, b) => a.rank - b.rank);
    this.budgetMs = options.frameBudgetMs;
    this.memoryBudgetBytes = options.memoryBudgetBytes;
    this.memoryFactor = options.memoryFactor ?? 4;
    this.stepDownAfterMs = options.stepDownAfterMs ?? 10_000;
    this.stepUpAfterMs = options.stepUpAfterMs ?? 60_000;
    this.headroom = options.headroom ?? 0.75;
    this.windowFrames = options.windowFrames ?? 60;
    this.minFrames = Math.min(options.minFrames ?? 20, this.windowFrames);
    this.undoWindowMs = options.undoWindowMs ?? 300_000;
    this.clock = options.clock ?? (() => performance.now());
    const pick = this.initialChoice();
    this.currentIndex = pick.index;
    this.record(null, 'initial', pick.detail);
  }

  /** The variant to run now. */
  get current(): MeasuredCandidate {
    return this.candidates[this.currentIndex]!;
  }

  /** The most recent switches (at most 100), oldest first. */
  get switches(): readonly VariantSwitch[] {
    return this.history;
  }

  /** p95 of the latencies observed on the current variant (NaN before any). */
  get observedP95Ms(): number {
    return p95(this.window);
  }

  /** Feeds one frame's latency on the current variant; returns the switch it caused, if any. */
  observe(latencyMs: number): VariantSwitch | undefined {
    const now = this.clock();
    this.window.push(latencyMs);
    if (this.window.length > this.windowFrames) this.window.shift();
    if (this.window.length < this.minFrames) return undefined;
    const observed = p95(this.window);

    if (observed > this.budgetMs) {
      this.headroomSince = undefined;
      this.overSince ??= now;
      const lower = this.nextFitting(this.currentIndex + 1, 1);
      if (lower !== undefined && now - this.overSince >= this.stepDownAfterMs) {
        const from = this.current.id;
        if (this.lastStepUp?.to === from && now - this.lastStepUp.atMs <= this.undoWindowMs) {
          this.undone.set(from, (this.undone.get(from) ?? 0) + 1);
        }
        return this.switchTo(lower, 'over-budget', `p95 ${fmt(observed)} ms over the ${fmt(this.budgetMs)} ms frame budget for ${fmt((now - this.overSince) / 1000)} s`);
      }
      return undefined;
    }
    this.overSince = undefined;

    const upper = this.nextFitting(this.currentIndex - 1, -1);
    if (upper === undefined) return undefined;
    const candidate = this.candidates[upper]!;
    // How much slower than measured the device runs now, applied to the better variant.
    const load = observed / Math.max(this.current.p95Ms, 1e-6);
    const predicted = candidate.p95Ms * load;
    if (predicted > this.headroom * this.budgetMs) {
      this.headroomSince = undefined;
      return undefined;
    }
    this.headroomSince ??= now;
    const wait = this.stepUpAfterMs * 2 ** (this.undone.get(candidate.id) ?? 0);
    if (now - this.headroomSince < wait) return undefined;
    this.lastStepUp = { to: candidate.id, atMs: now };
    return this.switchTo(upper, 'headroom', `predicted p95 ${fmt(predicted)} ms for ${candidate.id} under ${fmt(this.headroom * this.budgetMs)} ms (${this.headroom} x budget) for ${fmt((now - this.headroomSince) / 1000)} s`);
  }

  /** Replaces the measurements (after the load changed and the caller measured again) and chooses afresh. */
  remeasure(measured: readonly MeasuredCandidate[]): VariantSwitch | undefined {
    const from = this.current.id;
    this.candidates = [...measured].sort((a, b) => a.rank - b.rank);
    const pick = this.initialChoice();
    this.window = [];
    this.overSince = undefined;
    this.headroomSince = undefined;
    const to = this.candidates[pick.index]!;
    this.currentIndex = pick.index;
    if (to.id === from) return undefined;
    return this.record(from, 'remeasured', pick.detail);
  }

  private initialChoice(): { index: number; detail: string } {
    const fitsMemory = this.candidates.map((c) => this.fitsMemory(c));
    const meets = this.candidates.findIndex((c, i) => fitsMemory[i] && c.p95Ms <= this.budgetMs);
    if (meets >= 0) {
      const c = this.candidates[meets]!;
      return { index: meets, detail: `most accurate variant meeting the ${fmt(this.budgetMs)} ms frame budget (measured p95 ${fmt(c.p95Ms)} ms) and the memory budget` };
    }
    const inMemory = this.candidates.map((c, i) => ({ c, i })).filter(({ i }) => fitsMemory[i]);
    if (inMemory.length > 0) {
      const fastest = inMemory.reduce((a, b) => (b.c.p95Ms < a.c.p95Ms ? b : a));
      return { index: fastest.i, detail: `no variant meets the ${fmt(this.budgetMs)} ms frame budget; running the fastest (measured p95 ${fmt(fastest.c.p95Ms)} ms)` };
    }
    const smallest = this.candidates.map((c, i) => ({ c, i })).reduce((a, b) => (b.c.fileBytes < a.c.fileBytes ? b : a));
    return { index: smallest.i, detail: `no variant fits the memory budget of ${this.memoryBudgetBytes} bytes; running the smallest file (${smallest.c.fileBytes} bytes)` };
  }

  private fitsMemory(c: MeasuredCandidate): boolean {
    return c.fileBytes * this.memoryFactor <= this.memoryBudgetBytes;
  }

  /** The first candidate from `start` walking by `step` that fits the memory budget. */
  private nextFitting(start: number, step: 1 | -1): number | undefined {
    for (let i = start; i >= 0 && i < this.candidates.length; i += step) {
      if (this.fitsMemory(this.candidates[i]!)) return i;
    }
    return undefined;
  }

  private switchTo(index: number, reason: SwitchReason, detail: string): VariantSwitch {
    const from = this.current.id;
    this.currentIndex = index;
    this.window = [];
    this.overSince = undefined;
    this.headroomSince = undefined;
    return this.record(from, reason, detail);
  }

  private record(from: string | null, reason: SwitchReason, detail: string): VariantSwitch {
    const event: VariantSwitch = { from, to: this.current.id, reason, detail, atMs: this.clock() };
    this.history.push(event);
    // Bounded: the runtime counts switches itself; the recent ones are enough to inspect.
    if (this.history.length > maxHistory) this.history.shift();
    return event;
  }
}

function p95(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}
