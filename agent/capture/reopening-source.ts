/**
 * Keeps trying to open a camera that cannot be opened yet, so one camera never takes the agent
 * down: a source whose start fails for a reason that can pass (a device not plugged in yet, a
 * stream not up, a folder not created, a camera that sends nothing) is built anew and started
 * again after the restart backoff, for as long as the agent runs. A failure that cannot pass
 * without a person (a missing program, an invalid option) is not retried: the source gives up and
 * says so. Once open, the inner source restarts its own process (process-stream-source.ts).
 */
import { AgentError, describeError, hasCode } from '../errors/agent-error.js';
import { Backoff, type BackoffBounds } from '../support/backoff.js';
import { captureErrors } from './errors.js';
import type { Frame } from './frame.js';
import type { FrameListener, FrameSource, FrameSourceStats } from './frame-source.js';
import type { CaptureContext } from './source-options.js';
import { SourceListeners } from './source-listeners.js';

/** How a reopening source is built. */
export interface ReopeningSourceSpec {
  name: string;
  /** Builds a fresh source for each attempt (a source starts once); may throw for invalid options. */
  create: () => FrameSource;
  /** The restart backoff bounds (`source.restartBackoffInitialMs`, `source.restartBackoffMaxMs`). */
  backoff: BackoffBounds;
}

/** True for failures no retry can fix: a missing program and invalid options (config errors). */
export function isPermanentCaptureFailure(err: unknown): boolean {
  return hasCode(err, captureErrors.EDGE_CAPTURE_BINARY_NOT_FOUND.code) || (err instanceof AgentError && err.kind === 'config');
}

function asAgentError(err: unknown, name: string): AgentError {
  if (err instanceof AgentError) return err;
  return captureErrors.EDGE_CAPTURE_OPEN_FAILED(`Could not open source "${name}": ${describeError(err)}`, { source: name }, err);
}

/** A FrameSource that retries opening its camera; see the module comment. */
export class ReopeningFrameSource implements FrameSource {
  readonly name: string;
  private readonly backoff: Backoff;
  private readonly listeners: SourceListeners;
  private inner: FrameSource | undefined;
  private attempt: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private gaveUp = false;
  private failedOpens = 0;
  private lastError: string | undefined;

  constructor(private readonly spec: ReopeningSourceSpec, private readonly context: CaptureContext) {
    this.name = spec.name;
    this.backoff = new Backoff(spec.backoff);
    this.listeners = new SourceListeners((err, what) => {
      context.logger.error({ source: this.name, err: describeError(err) }, `${what} listener threw`);
    });
  }

  /**
   * Tries to open the camera once. Resolves when it opened, or when it failed for a reason that
   * can pass (the next try is then scheduled); rejects only when it failed for good.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const failure = await this.tryOpen();
    if (failure !== undefined && this.gaveUp) throw failure;
  }

  /** Cancels a pending retry and stops the open source, if any. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.attempt;
    if (this.inner !== undefined) await this.inner.stop();
    this.listeners.end();
  }

  /** Adds a frame listener; returns its remover. */
  onFrame(listener: FrameListener): () => void {
    return this.listeners.onFrame(listener);
  }

  /** Adds an end listener (called once: the open source ended by itself, or this was stopped). */
  onEnd(listener: () => void): () => void {
    return this.listeners.onEnd(listener);
  }

  /** The open source's counters (plus failed opens in `restarts`), or the failed opens so far. */
  stats(): FrameSourceStats {
    if (this.inner !== undefined) {
      const s = this.inner.stats();
      return { ...s, restarts: s.restarts + this.failedOpens, errors: s.errors + this.failedOpens };
    }
    return {
      frames: 0, restarts: this.failedOpens, stalls: 0, errors: this.failedOpens, droppedBytes: 0,
      state: this.stopped ? 'stopped' : this.gaveUp ? 'ended' : this.started ? 'restarting' : 'idle',
      backend: 'not open', lastFrameAt: undefined, lastError: this.lastError,
    };
  }

  // One attempt: resolves with the failure, or undefined when the source opened.
  private tryOpen(): Promise<AgentError | undefined> {
    const run = this.openOnce();
    this.attempt = run.then(() => undefined);
    return run;
  }

  private async openOnce(): Promise<AgentError | undefined> {
    let source: FrameSource;
    try {
      source = this.spec.create();
    } catch (err) {
      return this.failed(asAgentError(err, this.name));
    }
    let opened = false;
    let endedEarly = false;
    const offFrame = source.onFrame((frame: Frame) => this.listeners.frame(frame));
    // A source that fails to start also "ends"; only the end of an opened source is passed on.
    const offEnd = source.onEnd(() => {
      if (opened) this.listeners.end();
      else endedEarly = true;
    });
    try {
      await source.start();
    } catch (err) {
      offFrame();
      offEnd();
      await source.stop();
      return this.failed(asAgentError(err, this.name));
    }
    opened = true;
    this.inner = source;
    this.backoff.reset();
    if (this.failedOpens > 0) this.context.logger.info({ source: this.name, failedOpens: this.failedOpens }, 'camera opened after failing to');
    if (this.stopped) await source.stop();
    if (endedEarly) this.listeners.end();
    return undefined;
  }

  private failed(cause: AgentError): AgentError {
    this.lastError = cause.message;
    if (this.stopped) return cause;
    if (isPermanentCaptureFailure(cause)) {
      this.gaveUp = true;
      this.context.logger.error({ source: this.name, code: cause.code }, `camera will not be retried: ${cause.message}`);
      this.notify(() => this.context.onFailed?.(cause));
      return cause;
    }
    this.failedOpens += 1;
    const delayMs = this.backoff.next();
    this.context.logger.warn({ source: this.name, code: cause.code, retryInMs: delayMs, failedOpens: this.failedOpens }, `camera could not be opened; trying again: ${cause.message}`);
    this.notify(() => this.context.onRestart?.('failed-to-start', cause));
    this.retryTimer = setTimeout(() => {
      if (this.stopped) return;
      this.tryOpen().catch((err: unknown) => this.context.logger.error({ source: this.name, err: describeError(err) }, 'camera open attempt failed unexpectedly'));
    }, delayMs);
    return cause;
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.context.logger.error({ source: this.name, err: describeError(err) }, 'capture listener threw');
    }
  }
}
