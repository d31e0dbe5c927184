/**
 * Latest-frame-wins for a consumer slower than its camera: a one-slot mailbox that a new frame
 * overwrites. The overwritten frames are counted, so "dropped because inference was busy" is a
 * number, and memory never holds more than one waiting frame per source.
 */
import type { Frame } from './frame.js';
import type { FrameSource } from './frame-source.js';

/** Subscribes to a source and hands out only the newest frame; see the module comment. */
export class LatestFrame implements AsyncIterable<Frame> {
  /** Frames overwritten before anyone took them. */
  dropped = 0;
  private slot: Frame | undefined;
  private waiter: ((frame: Frame | undefined) => void) | undefined;
  private closed = false;
  private readonly unsubscribe: (() => void)[];

  constructor(source: FrameSource) {
    this.unsubscribe = [source.onFrame((frame) => this.put(frame)), source.onEnd(() => this.close())];
  }

  /** The newest frame not yet taken, waiting for one if needed; undefined once the source ended and nothing is left. */
  next(): Promise<Frame | undefined> {
    if (this.slot !== undefined) {
      const frame = this.slot;
      this.slot = undefined;
      return Promise.resolve(frame);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops listening; a pending `next()` resolves with undefined. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  /** Iterates newest frames until the source ends or `close()` is called. */
  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    for (;;) {
      const frame = await this.next();
      if (frame === undefined) return;
      yield frame;
    }
  }

  private put(frame: Frame): void {
    if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(frame);
      return;
    }
    if (this.slot !== undefined) this.dropped += 1;
    this.slot = frame;
  }
}
