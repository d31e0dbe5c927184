/**
 * A sliding-window rate limit: at most `perSecond` sends in any 1,000 ms. AWS IoT Core drops
 * (not delays) publishes over 100 per second per connection, so a token bucket's burst above
 * the rate would lose messages there. The window is a tenth of a second holding a tenth of the
 * rate: any second is ten such windows, so it never holds more than the rate, and sends are
 * spread out instead of arriving as one burst per second (which jitter would push over).
 */

/** Limits sends to a number per second; 0 or Infinity turns it off. */
export class RateLimiter {
  private readonly sentAtMs: number[];
  private readonly windowMs: number;
  private next = 0;

  constructor(perSecond: number, private readonly now: () => number = () => performance.now()) {
    const on = Number.isFinite(perSecond) && perSecond > 0;
    const slices = on && perSecond >= 10 ? 10 : 1;
    this.windowMs = 1000 / slices;
    this.sentAtMs = on ? new Array<number>(Math.max(1, Math.floor(perSecond / slices))).fill(-Infinity) : [];
  }

  /** Milliseconds to wait before the next send may go; 0 means now, and the send is counted. */
  reserve(): number {
    if (this.sentAtMs.length === 0) return 0;
    const now = this.now();
    // The slot being reused holds the send one window's worth of sends ago: it must be a window old.
    const oldest = this.sentAtMs[this.next] ?? -Infinity;
    const waitMs = oldest + this.windowMs - now;
    if (waitMs > 0) return Math.ceil(waitMs);
    this.sentAtMs[this.next] = now;
    this.next = (this.next + 1) % this.sentAtMs.length;
    return 0;
  }
}
