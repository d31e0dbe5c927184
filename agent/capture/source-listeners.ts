/**
 * The listener side of a FrameSource, kept in one place for every source: frame listeners, and
 * end listeners that are told once. A listener that throws is reported and the others still run,
 * so one consumer's bug never starves another or kills the camera.
 */
import type { Frame } from './frame.js';
import type { FrameListener } from './frame-source.js';

/** Frame and end listeners of one source; see the module comment. */
export class SourceListeners {
  private readonly frameListeners = new Set<FrameListener>();
  private readonly endListeners = new Set<() => void>();
  private ended = false;

  /** @param onThrow told about each listener that threw (the source counts and logs it). */
  constructor(private readonly onThrow: (err: unknown, what: 'frame' | 'end') => void) {}

  /** Adds a frame listener; returns its remover. */
  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Adds an end listener, called at most once (soon, if the source has already ended); returns its remover. */
  onEnd(listener: () => void): () => void {
    if (this.ended) {
      queueMicrotask(() => this.call(listener, 'end'));
      return () => undefined;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Hands one frame to every frame listener. */
  frame(frame: Frame): void {
    for (const listener of this.frameListeners) this.call(() => listener(frame), 'frame');
  }

  /** Tells every end listener, the first time only. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const listeners = [...this.endListeners];
    this.endListeners.clear();
    for (const listener of listeners) this.call(listener, 'end');
  }

  private call(listener: () => void, what: 'frame' | 'end'): void {
    try {
      listener();
    } catch (err) {
      this.onThrow(err, what);
    }
  }
}
