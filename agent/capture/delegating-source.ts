/**
 * A FrameSource whose implementation is chosen at start (rpicam video with still fallback,
 * `source: auto`). Listeners attach to the wrapper before the choice is made and are forwarded.
 */
import type { Frame } from './frame.js';
import type { FrameListener, FrameSource, FrameSourceStats } from './frame-source.js';
import { SourceListeners } from './source-listeners.js';

/** Picks, subscribes and starts the inner source; `attach` must be called before its `start()`. */
export type OpenInner = (attach: (inner: FrameSource) => void) => Promise<FrameSource>;

/** Forwards to the source `open` picked; see the module comment. */
export class DelegatingFrameSource implements FrameSource {
  private inner: FrameSource | undefined;
  // A listener that throws is passed up to the inner source, which counts and logs it.
  private readonly listeners = new SourceListeners((err) => {
    throw err;
  });
  private stopped = false;

  constructor(readonly name: string, private readonly open: OpenInner) {}

  /** Chooses and starts the inner source; rejects with its error. */
  async start(): Promise<void> {
    if (this.inner !== undefined || this.stopped) return;
    const attach = (inner: FrameSource): void => {
      inner.onFrame((frame: Frame) => this.listeners.frame(frame));
      inner.onEnd(() => {
        if (this.inner === inner) this.listeners.end();
      });
    };
    const inner = await this.open(attach);
    this.inner = inner;
    // stop() may have run while the inner source was opening.
    if (this.stopped) await inner.stop();
  }

  /** Stops the inner source, if one was chosen. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.inner !== undefined) await this.inner.stop();
    else this.listeners.end();
  }

  /** Adds a frame listener; returns its remover. */
  onFrame(listener: FrameListener): () => void {
    return this.listeners.onFrame(listener);
  }

  /** Adds an end listener, called at most once; returns its remover. */
  onEnd(listener: () => void): () => void {
    return this.listeners.onEnd(listener);
  }

  /** The inner source's counters, or idle zeros before start. */
  stats(): FrameSourceStats {
    if (this.inner !== undefined) return this.inner.stats();
    return {
      frames: 0, restarts: 0, stalls: 0, errors: 0, droppedBytes: 0,
      state: this.stopped ? 'stopped' : 'idle', backend: 'undecided', lastFrameAt: undefined, lastError: undefined,
    };
  }
}
