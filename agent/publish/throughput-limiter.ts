/**
 * A per-connection limit on publishes and payload bytes in any 1,000 ms, as AWS IoT Core counts
 * them (https://docs.aws.amazon.com/general/latest/gr/iot-core.html: 100 publishes and 512 KB
 * per second per connection). IoT Core throttles or disconnects a connection over either, so the
 * transport waits instead. A sliding window, not a token bucket: a bucket's burst would exceed
 * the very limit it keeps.
 */

/** The two bounds of one connection. */
export interface ThroughputLimits {
  maxPublishesPerSecond: number;
  maxBytesPerSecond: number;
}

const windowMs = 1_000;

/** Counts what went out in the last second and says how long the next publish must wait. */
export class ThroughputLimiter {
  /** Send times and sizes in the window, oldest first; at most `maxPublishesPerSecond` entries. */
  private readonly sent: { atMs: number; bytes: number }[] = [];
  private bytesInWindow = 0;

  constructor(
    private readonly limits: ThroughputLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds to wait before a publish of `bytes` may go; 0 means now, and it is counted. */
  reserve(bytes: number): number {
    const now = this.now();
    while (this.sent.length > 0 && (this.sent[0]?.atMs ?? now) <= now - windowMs) {
      this.bytesInWindow -= this.sent.shift()?.bytes ?? 0;
    }
    const oldest = this.sent[0];
    // A publish larger than the byte limit alone still goes, once the window is empty.
    const full = this.sent.length >= this.limits.maxPublishesPerSecond || this.bytesInWindow + bytes > this.limits.maxBytesPerSecond;
    if (oldest !== undefined && full) return Math.max(1, Math.ceil(oldest.atMs + windowMs - now));
    this.sent.push({ atMs: now, bytes });
    this.bytesInWindow += bytes;
    return 0;
  }
}
