/**
 * Bounds log volume for failures that repeat per frame (a full disk at 10 frames per second):
 * the first occurrence of a key is logged, then at most one line per interval carrying how many
 * were suppressed in between. Metrics still count every occurrence.
 */

/** Decides whether a repeated event is logged now. */
export class LogThrottle {
  private readonly intervalMs: number;
  private readonly state = new Map<string, { lastMs: number; suppressed: number }>();

  constructor(intervalMs = 60_000) {
    this.intervalMs = intervalMs;
  }

  /** Returns undefined to stay silent, or the number of occurrences suppressed since the last line. */
  shouldLog(key: string, nowMs: number = Date.now()): number | undefined {
    const s = this.state.get(key);
    if (s === undefined || nowMs - s.lastMs >= this.intervalMs) {
      const suppressed = s?.suppressed ?? 0;
      this.state.set(key, { lastMs: nowMs, suppressed: 0 });
      return suppressed;
    }
    s.suppressed++;
    return undefined;
  }
}
