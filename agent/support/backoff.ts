/**
 * The agent's one backoff: exponential and capped, so a broken camera or an unreachable broker is
 * retried for ever at a known rate without being hammered. With jitter (half fixed, half random,
 * "equal jitter"), a fleet that lost its broker at the same moment does not return in step.
 */

/** Bounds of a backoff, in milliseconds. */
export interface BackoffBounds {
  /** Delay before the first retry after a failure. */
  initialMs: number;
  /** Largest delay; consecutive failures double the delay up to this. */
  maxMs: number;
}

/** How a delay is drawn within its ceiling. */
export interface BackoffDraw {
  /** Spread each delay over the upper half of its ceiling (for fleets reconnecting); default false. */
  jitter?: boolean;
  /** The random source of the jitter, in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 for the first retry after a good run). */
export function backoffDelayMs(attempt: number, bounds: BackoffBounds, draw: BackoffDraw = {}): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(bounds.maxMs, bounds.initialMs * 2 ** exponent);
  if (draw.jitter !== true) return ceiling;
  const random = draw.random ?? Math.random;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * A backoff that counts its own failures: `next()` gives the delay before the next try and grows
 * it, `reset()` after a success. The count saturates, so a retry loop that runs for weeks stays at
 * `maxMs` rather than overflowing.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly bounds: BackoffBounds,
    private readonly draw: BackoffDraw = {},
  ) {}

  /** The delay before the next try; each call counts one more failure. */
  next(): number {
    const delay = backoffDelayMs(this.attempt, this.bounds, this.draw);
    if (this.attempt < 31) this.attempt += 1;
    return delay;
  }

  /** Failures counted since the last reset. */
  get failures(): number {
    return this.attempt;
  }

  /** Back to `initialMs`, after a success. */
  reset(): void {
    this.attempt = 0;
  }
}
