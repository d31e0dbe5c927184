/**
 * Wraps a real publisher for delivery tests: `connect()` can be held until the test's
 * subscriber is listening (so a test never races its own subscriber), and every publish call
 * is timed so the rate limit can be checked at the sending side too.
 */
import type { DisconnectListener, OutgoingMessage, PublishOutcome, Publisher } from '../../../agent/publish/publisher.js';

/** A Publisher that delegates to `inner`, with a gate in front of connect. */
export class GatedPublisher implements Publisher {
  readonly publishTimesMs: number[] = [];
  connectAttempts = 0;
  /** When each connect attempt began (performance.now()). */
  readonly connectTimesMs: number[] = [];
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => {};

  constructor(readonly inner: Publisher) {}

  get transport(): string {
    return this.inner.transport;
  }

  get maxPayloadBytes(): number {
    return this.inner.maxPayloadBytes;
  }

  /** Holds connect attempts until `open()`. */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  /** Lets connect attempts through again. */
  open(): void {
    this.openGate();
  }

  async connect(): Promise<void> {
    await this.gate;
    this.connectAttempts += 1;
    this.connectTimesMs.push(performance.now());
    await this.inner.connect();
  }

  isReady(): boolean {
    return this.inner.isReady();
  }

  publish(message: OutgoingMessage): Promise<PublishOutcome> {
    this.publishTimesMs.push(performance.now());
    return this.inner.publish(message);
  }

  onDisconnect(listener: DisconnectListener): void {
    this.inner.onDisconnect(listener);
  }

  abort(cause: Error): void {
    this.inner.abort(cause);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
