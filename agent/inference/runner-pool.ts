/**
 * One loaded runner per model id, shared by every camera that uses the model. A runner whose
 * inference got stuck is replaced by a freshly loaded one; the stuck one is released when (if)
 * its call ever returns, so a wedged native call cannot take the new session down with it.
 */
import type { Logger } from '../log/logger.js';
import { ModelRunner, type RunnerOptions } from './model-runner.js';
import type { ModelStore } from '../models/model-store.js';

/** Called when a model was loaded (first time or after a rebuild). */
export type RunnerLoaded = (runner: ModelRunner) => void;

/** Loaded models by id. */
export class RunnerPool {
  private readonly runners = new Map<string, ModelRunner>();
  private readonly store: ModelStore;
  private readonly options: RunnerOptions;
  private readonly logger: Logger;
  private readonly onLoaded: RunnerLoaded;

  constructor(store: ModelStore, options: RunnerOptions, onLoaded: RunnerLoaded = () => undefined) {
    this.store = store;
    this.options = options;
    this.logger = options.logger;
    this.onLoaded = onLoaded;
  }

  /** Loads every id not loaded yet, one after another (loading in parallel only competes for the same cores). */
  async load(ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      if (this.runners.has(id)) continue;
      const runner = await ModelRunner.load(this.store, id, this.options);
      this.runners.set(id, runner);
      this.logger.info({ model: id, provider: runner.session.provider, warmUpMs: Math.round(runner.session.warmUpMs) }, 'model loaded');
      this.onLoaded(runner);
    }
  }

  /** The loaded runner for `id`; the pool must have loaded it. */
  get(id: string): ModelRunner {
    const r = this.runners.get(id);
    if (r === undefined) throw new Error(`RunnerPool: model ${id} was never loaded`);
    return r;
  }

  /** Replaces the runner for `id` with a new session; `stuck` is released once it settles. */
  async rebuild(id: string, stuck: Promise<unknown>): Promise<ModelRunner> {
    const old = this.runners.get(id);
    const fresh = await ModelRunner.load(this.store, id, this.options);
    this.runners.set(id, fresh);
    this.onLoaded(fresh);
    if (old !== undefined) {
      stuck.then(
        () => old.close(),
        () => old.close(),
      ).catch((err: unknown) => this.logger.warn({ model: id, err }, 'releasing a replaced session failed'));
    }
    return fresh;
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

  /** Releases every session. */
  async close(): Promise<void> {
    const all = [...this.runners.values()];
    this.runners.clear();
    await Promise.allSettled(all.map((r) => r.close()));
  }
}
