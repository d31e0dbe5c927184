/**
 * One loaded runner per model id, shared by every camera that uses the model. A runner whose
 * inference got stuck is replaced by a freshly loaded one; the stuck one is released when (if)
 * its call ever returns, so a wedged native call cannot take the new session down with it.
 *
 * The runner kept under a model id may run one of its variants (a manifest `derivedFrom` it):
 * `switchTo(id, variantId)` loads and warms the variant, then swaps it in, so cameras keep asking
 * for the id they were configured with and the records say which variant produced them.
 *
 * Rebuilds are bounded (`RebuildLimit`): a model rebuilt too often within a window is given up,
 * its stuck session is kept (no more sessions are piled up) and the caller asks for a restart.
 */
import type { Logger } from '../log/logger.js';
import { ModelRunner, type RunnerOptions } from './model-runner.js';
import type { ModelStore } from '../models/model-store.js';
import { RebuildCounter, type GivenUp, type RebuildLimit } from './rebuild-limit.js';

/**
 * Called when a model was loaded (first time, after a rebuild or a variant switch). `id` is the
 * model id the pool keeps it under, which differs from `runner.manifest.id` when a variant runs.
 */
export type RunnerLoaded = (runner: ModelRunner, id: string) => void;

/** What `rebuild` did. */
export interface RebuildOutcome {
  /** The runner now kept under the id. */
  runner: ModelRunner;
  /** Set once the model's rebuilds reached the limit: it is given up and not rebuilt again. */
  givenUp: GivenUp | undefined;
}

/** Loaded models by id. */
export class RunnerPool {
  private readonly runners = new Map<string, ModelRunner>();
  private readonly store: ModelStore;
  private readonly options: RunnerOptions;
  private readonly logger: Logger;
  private readonly onLoaded: RunnerLoaded;
  private readonly rebuilds: RebuildCounter | undefined;

  /** Without `rebuildLimit` a stuck model is rebuilt every time (tests, benchmarks); the runtime always passes one. */
  constructor(store: ModelStore, options: RunnerOptions, onLoaded: RunnerLoaded = () => undefined, rebuildLimit?: RebuildLimit) {
    this.store = store;
    this.options = options;
    this.logger = options.logger;
    this.onLoaded = onLoaded;
    this.rebuilds = rebuildLimit === undefined ? undefined : new RebuildCounter(rebuildLimit);
  }

  /** Loads every id not loaded yet, one after another (loading in parallel only competes for the same cores). */
  async load(ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      if (this.runners.has(id)) continue;
      const runner = await ModelRunner.load(this.store, id, this.options);
      this.runners.set(id, runner);
      this.logger.info({ model: id, provider: runner.session.provider, warmUpMs: Math.round(runner.session.warmUpMs), maxBatch: runner.batching.maxBatch }, 'model loaded');
      this.onLoaded(runner, id);
    }
  }

  /** The loaded runner for `id`; the pool must have loaded it. */
  get(id: string): ModelRunner {
    const r = this.runners.get(id);
    if (r === undefined) throw new Error(`RunnerPool: model ${id} was never loaded`);
    return r;
  }

  /** The options every runner of this pool is loaded with (variant measuring loads the same way). */
  get runnerOptions(): RunnerOptions {
    return this.options;
  }

  /** Which model (the id itself or one of its variants) runs under `id`; undefined when not loaded. */
  variantOf(id: string): string | undefined {
    return this.runners.get(id)?.manifest.id;
  }

  /**
   * Makes `get(id)` return a runner of `variantId` (which may be `id` itself, to go back to the
   * original). The new runner is loaded and warmed up before the swap, so no frame waits on a
   * load; the old one is released after its call in flight. Two sessions are in memory meanwhile.
   * Returns false when nothing changed (already running `variantId`, or `id` was unloaded meanwhile).
   */
  async switchTo(id: string, variantId: string): Promise<boolean> {
    if (this.variantOf(id) === variantId) return false;
    const fresh = await ModelRunner.load(this.store, variantId, this.options);
    const old = this.runners.get(id);
    if (old === undefined) {
      // Unloaded while the variant loaded: the id is no longer wanted.
      await fresh.close();
      return false;
    }
    this.runners.set(id, fresh);
    this.logger.info({ model: id, variant: variantId, previous: old.manifest.id, provider: fresh.session.provider, warmUpMs: Math.round(fresh.session.warmUpMs) }, 'model variant loaded');
    this.onLoaded(fresh, id);
    this.release(id, old, Promise.resolve());
    return true;
  }

  /**
   * Replaces the runner for `id` with a new session of the same variant; `stuck` is released once
   * it settles. The rebuild that reaches the limit still happens, and says the model is given up;
   * after that nothing is loaded again and the current runner is returned as it is.
   */
  async rebuild(id: string, stuck: Promise<unknown>): Promise<RebuildOutcome> {
    const already = this.rebuilds?.givenUp(id);
    if (already !== undefined) return { runner: this.get(id), givenUp: already };
    const old = this.runners.get(id);
    const fresh = await ModelRunner.load(this.store, old?.manifest.id ?? id, this.options);
    this.runners.set(id, fresh);
    this.onLoaded(fresh, id);
    if (old !== undefined) this.release(id, old, stuck);
    return { runner: fresh, givenUp: this.rebuilds?.record(id) };
  }

  /** Why `id` was given up after too many rebuilds, or undefined. */
  givenUp(id: string): GivenUp | undefined {
    return this.rebuilds?.givenUp(id);
  }

  /** Ids of the loaded models. */
  ids(): string[] {
    return [...this.runners.keys()];
  }

  /** Releases the session of `id` once its calls in flight are done (no camera uses it any more). */
  async unload(id: string): Promise<void> {
    const r = this.runners.get(id);
    if (r === undefined) return;
    this.runners.delete(id);
    await r.close();
  }

  /** Closes a replaced runner once `settled` settles (close itself waits for its call in flight). */
  private release(id: string, old: ModelRunner, settled: Promise<unknown>): void {
    settled.then(
      () => old.close(),
      () => old.close(),
    ).catch((err: unknown) => this.logger.warn({ model: id, variant: old.manifest.id, err }, 'releasing a replaced session failed'));
  }

  /** Releases every session. */
  async close(): Promise<void> {
    const all = [...this.runners.values()];
    this.runners.clear();
    await Promise.allSettled(all.map((r) => r.close()));
  }
}
