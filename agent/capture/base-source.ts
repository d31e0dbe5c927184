/** Listener bookkeeping, sequence numbers and counters shared by every FrameSource implementation. */
import type { Logger } from '../log/logger.js';
import { describeError, type AgentError } from '../errors/agent-error.js';
import type { Frame, FrameImage } from './frame.js';
import type { FrameListener, FrameSource, FrameSourceState, FrameSourceStats } from './frame-source.js';
import type { CaptureContext, SourceRestartReason } from './source-options.js';
import { SourceListeners } from './source-listeners.js';

/** Base of the sources: subclasses call `deliver`, `recordError` and `end`; it keeps the counters. */
export abstract class BaseFrameSource implements FrameSource {
  protected readonly counters: FrameSourceStats;
  protected readonly log: Logger;
  private seq = 0;
  private readonly listeners: SourceListeners;
  private firstFrameWaiters: (() => void)[] = [];

  constructor(readonly name: string, backend: string, protected readonly context: CaptureContext) {
    this.log = context.logger.child({ source: name });
    this.counters = {
      frames: 0, restarts: 0, stalls: 0, errors: 0, droppedBytes: 0,
      state: 'idle', backend, lastFrameAt: undefined, lastError: undefined,
    };
    this.listeners = new SourceListeners((err, what) => {
      // A consumer bug must not kill the camera; it is logged and counted like any failure.
      this.counters.errors += 1;
      this.log.error({ err: describeError(err) }, `${what} listener threw`);
    });
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  /** Adds a frame listener; returns its remover. */
  onFrame(listener: FrameListener): () => void {
    return this.listeners.onFrame(listener);
  }

  /** Adds an end listener (called at most once); returns its remover. */
  onEnd(listener: () => void): () => void {
    return this.listeners.onEnd(listener);
  }

  /** A copy of the counters. */
  stats(): FrameSourceStats {
    return { ...this.counters };
  }

  protected setState(state: FrameSourceState): void {
    this.counters.state = state;
  }

  /** Hands one image to every listener as the next Frame. */
  protected deliver(image: FrameImage): void {
    const frame: Frame = { source: this.name, seq: this.seq++, capturedAt: new Date(), image };
    this.counters.frames += 1;
    this.counters.lastFrameAt = frame.capturedAt;
    this.listeners.frame(frame);
    const waiters = this.firstFrameWaiters;
    this.firstFrameWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next delivered frame. */
  protected nextFrame(): Promise<void> {
    return new Promise((resolve) => this.firstFrameWaiters.push(resolve));
  }

  /** Counts and logs a runtime failure the source recovers from. */
  protected recordError(err: AgentError): void {
    this.counters.errors += 1;
    this.counters.lastError = err.message;
    this.log.warn({ code: err.code, ...err.details }, err.message);
  }

  /** Counts and logs a failure that makes the source restart its camera, and tells the context (metrics, readiness). */
  protected restarting(reason: SourceRestartReason, cause: AgentError): void {
    this.counters.restarts += 1;
    if (reason === 'stalled') this.counters.stalls += 1;
    this.recordError(cause);
    this.setState('restarting');
    try {
      this.context.onRestart?.(reason, cause);
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'restart listener threw');
    }
  }

  /** Marks the source ended (played out or stopped) and tells end listeners once. */
  protected end(state: 'ended' | 'stopped'): void {
    this.setState(state);
    this.listeners.end();
  }
}
