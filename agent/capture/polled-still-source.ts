/**
 * A FrameSource that takes one still per frame (rpicam-still, raspistill): slower than a video
 * stream, but needs nothing beyond the still program. A capture that fails or outlasts the stall
 * timeout is killed, counted, and retried after the restart backoff.
 */
import { AgentError, describeError } from '../errors/agent-error.js';
import { Backoff } from '../support/backoff.js';
import { BaseFrameSource } from './base-source.js';
import { captureErrors } from './errors.js';
import { isCompleteJpeg, type StillCapture } from './still-capture.js';
import { backoffBounds, type CaptureContext, type SourceTiming } from './source-options.js';

/** A way to take one still, found at start. */
export interface StillBackend {
  /** Program name for stats and messages, e.g. `rpicam-still`. */
  name: string;
  capture(): StillCapture;
}

/** How a polled source is built. */
export interface PolledStillSpec {
  name: string;
  /** Checks the binary and returns the backend; throws EDGE_CAPTURE_BINARY_NOT_FOUND. */
  resolveBackend: () => StillBackend;
  /** Minimum time between the starts of two captures. */
  intervalMs: number;
  timing: SourceTiming;
}

class CaptureTimeout extends Error {}

/** Takes stills in a loop; see the module comment. */
export class PolledStillSource extends BaseFrameSource {
  private backend: StillBackend | undefined;
  private inFlight: StillCapture | undefined;
  private loopDone: Promise<void> | undefined;
  private stopping = false;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(private readonly spec: PolledStillSpec, context: CaptureContext) {
    super(spec.name, 'still', context);
  }

  /** Takes the first still; rejects if the program is missing, fails or times out. */
  async start(): Promise<void> {
    if (this.counters.state !== 'idle') return;
    this.setState('starting');
    let first: Buffer;
    try {
      this.backend = this.spec.resolveBackend();
      this.counters.backend = this.backend.name;
      first = await this.captureOnce(this.spec.timing.openTimeoutMs);
    } catch (err) {
      this.end('stopped');
      if (err instanceof AgentError) throw err;
      throw captureErrors.EDGE_CAPTURE_OPEN_FAILED(`Could not open source "${this.name}": ${describeError(err)}`, { source: this.name }, err);
    }
    if (this.stopping) return;
    this.setState('running');
    this.deliver({ kind: 'encoded', data: first });
    this.loopDone = this.loop().catch((err: unknown) => this.log.error({ err: describeError(err) }, 'still capture loop failed'));
  }

  /** Kills the capture in flight and ends the loop. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.inFlight?.abort();
    if (this.sleeping !== undefined) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    await this.loopDone;
    this.end('stopped');
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff(backoffBounds(this.spec.timing));
    let nextAt = Date.now() + this.spec.intervalMs;
    while (!this.stopping) {
      await this.sleep(nextAt - Date.now());
      if (this.stopping) break;
      nextAt = Date.now() + this.spec.intervalMs;
      try {
        const data = await this.captureOnce(this.spec.timing.stallTimeoutMs);
        if (this.stopping) break;
        backoff.reset();
        this.setState('running');
        this.deliver({ kind: 'encoded', data });
      } catch (err) {
        if (this.stopping) break;
        const stalled = err instanceof CaptureTimeout;
        const name = this.backend?.name ?? 'still capture';
        this.restarting(
          stalled ? 'stalled' : 'exited',
          stalled
            ? captureErrors.EDGE_CAPTURE_STALLED(`${name} for source "${this.name}" took longer than stallTimeoutMs ${this.spec.timing.stallTimeoutMs} and was killed`, { source: this.name })
            : captureErrors.EDGE_CAPTURE_PROCESS_EXITED(`${name} for source "${this.name}" failed: ${describeError(err)}`, { source: this.name }),
        );
        await this.sleep(backoff.next());
        nextAt = Date.now();
      }
    }
  }

  private async captureOnce(timeoutMs: number): Promise<Buffer> {
    const backend = this.backend as StillBackend;
    const capture = backend.capture();
    this.inFlight = capture;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      capture.abort();
    }, timeoutMs);
    try {
      const data = await capture.result;
      if (!isCompleteJpeg(data)) throw new Error(`${backend.name} returned ${data.length} bytes that are not a complete JPEG`);
      return data;
    } catch (err) {
      if (timedOut) throw new CaptureTimeout(`${backend.name} gave no image within ${timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: setTimeout(wake, ms), wake };
    });
  }
}
