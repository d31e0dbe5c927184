/**
 * Adaptive batching (as in Clipper): items submitted while a batch runs wait, and when it ends the
 * ones waiting go together as the next batch, up to `maxBatch`. An item that arrives to an idle
 * batcher waits at most `maxWaitMs` for others to join (0: it runs at once), so a batch never
 * holds a frame back longer than that bound. One batch runs at a time. A batch that fails fails
 * only its own items; the next batch runs as usual.
 */

/** Turns a batch of items into one result per item, in order; throwing fails every item of the batch. */
export type RunBatch<I, R> = (items: readonly I[]) => Promise<readonly (R | Error)[]>;

/** Bounds of a batcher. */
export interface BatcherLimits {
  /** Most items in one batch (at least 1). */
  maxBatch: number;
  /** Longest an item waits for a batch to fill while the batcher is idle; 0 runs what is there at once. */
  maxWaitMs: number;
}

/** What a batcher did, for metrics and benchmarks. */
export interface BatcherCounts {
  batches: number;
  items: number;
  /** Batches that threw (each failed all of its items). */
  failedBatches: number;
  /** The largest batch run so far. */
  largestBatch: number;
}

interface Waiting<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (err: Error) => void;
}

/** Queues items and runs them in batches, one batch at a time. */
export class AdaptiveBatcher<I, R> {
  readonly counts: BatcherCounts = { batches: 0, items: 0, failedBatches: 0, largestBatch: 0 };
  private readonly waiting: Waiting<I, R>[] = [];
  private readonly run: RunBatch<I, R>;
  /** The bounds in force (maxBatch at least 1). */
  readonly limits: BatcherLimits;
  private running = false;
  private fillTimer: ReturnType<typeof setTimeout> | undefined;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(run: RunBatch<I, R>, limits: BatcherLimits) {
    this.run = run;
    this.limits = { maxBatch: Math.max(1, Math.floor(limits.maxBatch)), maxWaitMs: Math.max(0, limits.maxWaitMs) };
  }

  /** Queues `item`; settles with its own result once its batch has run. */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.running) return;
      if (this.fillTimer !== undefined) {
        if (this.waiting.length >= this.limits.maxBatch) this.start();
        return;
      }
      if (this.limits.maxWaitMs === 0 || this.waiting.length >= this.limits.maxBatch) this.start();
      else this.fillTimer = setTimeout(() => this.start(), this.limits.maxWaitMs);
    });
  }

  /** Settles once no batch is running and none is waiting to start. */
  drained(): Promise<void> {
    return this.running || this.fillTimer !== undefined ? this.idle : Promise.resolve();
  }

  private start(): void {
    if (this.fillTimer !== undefined) clearTimeout(this.fillTimer);
    this.fillTimer = undefined;
    if (this.running) return;
    this.running = true;
    this.idle = new Promise((r) => (this.markIdle = r));
    void this.loop();
  }

  /** Runs batches until nothing waits; never throws (each failure goes to its batch's items). */
  private async loop(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.limits.maxBatch);
      this.counts.batches++;
      this.counts.items += batch.length;
      this.counts.largestBatch = Math.max(this.counts.largestBatch, batch.length);
      let results: readonly (R | Error)[] | undefined;
      let failure: Error | undefined;
      try {
        results = await this.run(batch.map((w) => w.item));
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} items gave ${results.length} results`);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        this.counts.failedBatches++;
      }
      batch.forEach((w, i) => {
        const r = results?.[i];
        if (failure !== undefined) w.reject(failure);
        else if (r instanceof Error) w.reject(r);
        else w.resolve(r as R);
      });
    }
    this.running = false;
    this.markIdle();
  }
}
