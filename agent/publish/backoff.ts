/** Reconnect delays: exponential with jitter, so a fleet that lost its broker does not return in step. */

/** Bounds of the reconnect delay. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Default delays: half a second doubling up to 30 seconds. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialDelayMs: 500, maxDelayMs: 30_000 });

/** Delay before reconnect number `attempt` (0-based): "equal jitter", half fixed and half random. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
