/**
 * Runs the variant selector (agent/variants) against the live agent: at start it measures each
 * configured model's variants on a frame of the camera's size, chooses one per model under the
 * camera's frame budget and the memory budget, and has the runner pool run it under the model's
 * own id; afterwards it feeds the selector every observed latency and carries out the switches
 * the selector asks for. Every switch is logged, counted in metrics and kept for `status()`.
 * With `inference.variantSelection.enabled: false` it measures nothing and never switches.
 */
import sharp from 'sharp';
import type { Frame } from '../capture/frame.js';
import type { AgentConfig, CameraConfig } from '../config/schema.js';
import { noteUnexpected } from '../errors/agent-error.js';
import type { AgentMetrics } from '../health/metrics.js';
import type { RunnerPool } from '../pipeline/runner-pool.js';
import type { Logger } from '../log/logger.js';
import type { ModelStore } from '../models/model-store.js';
import { variantCandidates, type VariantCandidate } from './candidates.js';
import { measureCandidates, type MeasureOptions } from './measure-latency.js';
import { VariantSelector, type MeasuredCandidate, type VariantSwitch } from './variant-selector.js';
import { intervalMsFor } from '../config/camera-interval.js';

/** What the controller works with; `config`, `store`, `pool`, `metrics` and `logger` are the runtime's own. */
export interface VariantControllerOptions {
  readonly config: AgentConfig;
  readonly store: ModelStore;
  readonly pool: RunnerPool;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  /** Time per frame a model has (ms); default: the shortest interval among the cameras running it. */
  readonly frameBudgetMsFor?: (modelId: string) => number;
  /** Frames to measure on; default: one synthetic JPEG of the largest camera size running the model. */
  readonly sampleFrames?: readonly Frame[];
  /** Frames spent per candidate when measuring (measure-latency.ts defaults otherwise). */
  readonly measure?: MeasureOptions;
  /** Milliseconds now, for the selector's timers; default `performance.now`. */
  readonly clock?: () => number;
}

/** Where one model stands, for the status message and the CLI. */
export interface ModelVariantStatus {
  /** The model id the cameras are configured with. */
  readonly model: string;
  /** The variant running for it now (may be `model` itself). */
  readonly variant: string;
  readonly frameBudgetMs: number;
  /** p95 of the latencies observed on the current variant since it started; null before any. */
  readonly observedP95Ms: number | null;
  /** What was measured at start (or at the last remeasure), most accurate first. */
  readonly candidates: readonly MeasuredCandidate[];
  /** Recent decisions, oldest first (the first is the initial choice, `from: null`). */
  readonly switches: readonly VariantSwitch[];
  /** Set when selection stopped for this model (a variant failed to load); the variant stays as it is. */
  readonly stoppedBecause?: string;
}

interface Selection {
  readonly model: string;
  readonly budgetMs: number;
  readonly candidates: readonly VariantCandidate[];
  readonly selector: VariantSelector;
  measured: readonly MeasuredCandidate[];
  /** A switch being carried out; observations are ignored meanwhile (they time the old variant). */
  switching: Promise<void> | undefined;
  stoppedBecause: string | undefined;
}

/** Chooses and switches the variant of every configured model that has variants. */
export class VariantController {
  private readonly o: VariantControllerOptions;
  private readonly selections = new Map<string, Selection>();
  private readonly enabled: boolean;

  private constructor(options: VariantControllerOptions, enabled: boolean) {
    this.o = options;
    this.enabled = enabled;
  }

  /**
   * Measures and chooses for every model the cameras run, switching the pool where the choice is
   * not the model itself. Call after the pool loaded the models and before cameras start. A model
   * whose variants cannot be measured keeps running as configured (logged and counted, not thrown).
   */
  static async start(options: VariantControllerOptions): Promise<VariantController> {
    const settings = options.config.inference.variantSelection;
    const controller = new VariantController(options, settings.enabled);
    if (!settings.enabled) {
      await controller.applyPreference(options.config.models.variantPreference);
      return controller;
    }
    for (const model of modelIdsOf(options.config)) await controller.choose(model);
    return controller;
  }

  /**
   * One inference of `model` (the configured id) took `latencyMs`. `variantId`, the record's
   * `model.id`, lets a frame that started before a switch be left out of the new variant's numbers.
   */
  observe(model: string, latencyMs: number, variantId?: string): void {
    const s = this.selections.get(model);
    if (s === undefined || s.switching !== undefined || s.stoppedBecause !== undefined) return;
    if (variantId !== undefined && variantId !== s.selector.current.id) return;
    const decision = s.selector.observe(latencyMs);
    if (decision !== undefined) this.carryOut(s, decision);
  }

  /**
   * Measures every model's candidates again, now, under whatever load the device has (after the
   * cameras or their rates changed), and switches where the choice changed.
   */
  async remeasure(): Promise<void> {
    for (const s of this.selections.values()) {
      await s.switching;
      if (s.stoppedBecause !== undefined) continue;
      const measured = await this.measure(s.model, s.candidates);
      if (measured === undefined) continue;
      s.measured = measured;
      const decision = s.selector.remeasure(measured);
      if (decision !== undefined) this.carryOut(s, decision);
    }
    await this.settled();
  }

  /** Resolves when no switch is in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.selections.values()].map((s) => s.switching ?? Promise.resolve()));
  }

  /** Every model with variants, and where its selection stands. Empty when selection is off. */
  status(): ModelVariantStatus[] {
    return [...this.selections.values()].map((s) => {
      const p95 = s.selector.observedP95Ms;
      return {
        model: s.model,
        variant: this.o.pool.variantOf(s.model) ?? s.selector.current.id,
        frameBudgetMs: s.budgetMs,
        observedP95Ms: Number.isNaN(p95) ? null : p95,
        candidates: s.measured,
        switches: s.selector.switches,
        ...(s.stoppedBecause === undefined ? {} : { stoppedBecause: s.stoppedBecause }),
      };
    });
  }

  /** A short text for the status line: which models run a variant, and how often they switched. */
  summary(): string {
    if (!this.enabled) return '';
    const parts = this.status()
      .filter((m) => m.variant !== m.model || m.switches.length > 1)
      .map((m) => `${m.model}=${m.variant} (${m.switches.length - 1} switches)`);
    return parts.length === 0 ? '' : ` | variants ${parts.join(', ')}`;
  }

  private async choose(model: string): Promise<void> {
    const { store, pool, logger, metrics } = this.o;
    const candidates = await this.available(variantCandidates(store.manifests(), model));
    if (candidates.length < 2) {
      metrics.variantInUse(model, pool.variantOf(model) ?? model);
      logger.debug({ model }, 'model has no variants to choose from');
      return;
    }
    const measured = await this.measure(model, candidates);
    if (measured === undefined) return;
    const settings = this.o.config.inference.variantSelection;
    const budgetMs = this.budgetMsFor(model);
    const selector = new VariantSelector(measured, {
      frameBudgetMs: budgetMs,
      memoryBudgetBytes: this.o.config.memoryBudgetBytes,
      stepDownAfterMs: settings.stepDownAfterSeconds * 1000,
      stepUpAfterMs: settings.stepUpAfterSeconds * 1000,
      headroom: settings.headroom,
      ...(this.o.clock === undefined ? {} : { clock: this.o.clock }),
    });
    const s: Selection = { model, budgetMs, candidates, selector, measured, switching: undefined, stoppedBecause: undefined };
    this.selections.set(model, s);
    const initial = selector.switches[0]!;
    logger.info({ model, variant: initial.to, frameBudgetMs: budgetMs, measured: measured.map((m) => ({ id: m.id, p50Ms: round(m.p50Ms), p95Ms: round(m.p95Ms) })), detail: initial.detail }, 'model variant chosen');
    this.carryOut(s, initial);
    await s.switching;
  }

  /**
   * Without measuring (selection off): run, for each model, the variant whose quantization comes
   * first in `models.variantPreference`. The default `[none]` keeps every model as configured.
   */
  private async applyPreference(preference: readonly string[]): Promise<void> {
    if (preference.length === 1 && preference[0] === 'none') return;
    const { store, pool, logger, metrics } = this.o;
    const place = (id: string) => {
      const i = preference.indexOf(store.manifest(id).quantization);
      return i < 0 ? preference.length : i;
    };
    for (const model of modelIdsOf(this.o.config)) {
      const candidates = await this.available(variantCandidates(store.manifests(), model));
      // Stable sort: among equally preferred variants the more accurate (lower rank) wins.
      const chosen = [...candidates].sort((a, b) => place(a.id) - place(b.id) || a.rank - b.rank)[0];
      if (chosen === undefined || chosen.id === (pool.variantOf(model) ?? model)) continue;
      await pool.switchTo(model, chosen.id);
      metrics.variantInUse(model, chosen.id);
      logger.info({ model, variant: chosen.id, preference }, 'model variant chosen by models.variantPreference');
    }
  }

  /** Candidates whose file is present (or can be pulled); the others are left out with a warning. */
  private async available(candidates: readonly VariantCandidate[]): Promise<VariantCandidate[]> {
    const out: VariantCandidate[] = [];
    for (const c of candidates) {
      try {
        await this.o.store.ensure(c.id);
        out.push(c);
      } catch (err) {
        this.counted(err);
        this.o.logger.warn({ variant: c.id, err: message(err) }, 'model variant left out of selection: its file is not available');
      }
    }
    return out;
  }

  private async measure(model: string, candidates: readonly VariantCandidate[]): Promise<MeasuredCandidate[] | undefined> {
    try {
      const frames = this.o.sampleFrames ?? [await syntheticFrame(this.frameSizeFor(model))];
      return await measureCandidates(this.o.store, candidates, frames, this.o.pool.runnerOptions, this.o.measure ?? {});
    } catch (err) {
      // Degrade loudly: the model keeps running as it is.
      this.counted(err);
      this.o.logger.error({ model, err: message(err) }, 'measuring model variants failed; the model keeps its current variant');
      return undefined;
    }
  }

  /** Starts the pool switch for `decision`; observations pause until it is done. */
  private carryOut(s: Selection, decision: VariantSwitch): void {
    const { pool, metrics, logger } = this.o;
    const from = pool.variantOf(s.model) ?? s.model;
    s.switching = pool
      .switchTo(s.model, decision.to)
      .then((changed) => {
        metrics.variantInUse(s.model, pool.variantOf(s.model) ?? decision.to);
        if (!changed) return;
        metrics.variantSwitched(s.model, from, decision.to, decision.reason);
        const line = { model: s.model, from, to: decision.to, reason: decision.reason, detail: decision.detail };
        // A step down means the board cannot keep up with the better model: worth a warning.
        if (decision.reason === 'over-budget') logger.warn(line, 'model variant switched');
        else logger.info(line, 'model variant switched');
      })
      .catch((err: unknown) => {
        // The selector now believes in a variant the pool does not run; stop rather than act on wrong numbers.
        s.stoppedBecause = `switching to ${decision.to} failed: ${message(err)}`;
        this.counted(err);
        logger.error({ model: s.model, from, to: decision.to, err: message(err) }, 'model variant switch failed; variant selection stopped for this model');
      })
      .finally(() => {
        s.switching = undefined;
      });
  }

  private budgetMsFor(model: string): number {
    if (this.o.frameBudgetMsFor !== undefined) return this.o.frameBudgetMsFor(model);
    return Math.min(...camerasRunning(this.o.config, model).map(intervalMsFor));
  }

  private frameSizeFor(model: string): { width: number; height: number } {
    const capture = this.o.config.capture;
    const sizes = camerasRunning(this.o.config, model).map((c) => ({ width: c.source.width ?? capture.frameWidth, height: c.source.height ?? capture.frameHeight }));
    return sizes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), { width: capture.frameWidth, height: capture.frameHeight });
  }

  private counted(err: unknown): void {
    noteUnexpected(err);
  }
}

function modelIdsOf(config: AgentConfig): string[] {
  return [...new Set(config.cameras.flatMap((c) => c.models.map((m) => m.id)))];
}

function camerasRunning(config: AgentConfig, model: string): CameraConfig[] {
  return config.cameras.filter((c) => c.models.some((m) => m.id === model));
}

/**
 * A JPEG of noise at the camera's size. Noise costs more to decode than a typical scene, so the
 * measured latency errs on the slow side; the selector corrects from observed frames either way.
 */
async function syntheticFrame(size: { width: number; height: number }): Promise<Frame> {
  const data = await sharp({ create: { ...size, channels: 3, background: { r: 128, g: 128, b: 128 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { source: 'variant-measurement', seq: 0, capturedAt: new Date(), image: { kind: 'encoded', data } };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
