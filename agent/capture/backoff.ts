/** Restart delays for sources that die or stall: exponential, so a broken camera is not hammered, and capped, so it is retried forever at a known rate. */

/** Bounds of the restart backoff, in milliseconds. */
export interface RestartBackoff {
  /** Delay before the first restart after a failure. */
  initialMs: number;
  /** Largest delay; consecutive failures double the delay up to this. */
  maxMs: number;
}

/** 0.5 s doubling to 30 s: a camera unplugged for an hour is retried about 120 times. */
export const defaultRestartBackoff: RestartBackoff = Object.freeze({ initialMs: 500, maxMs: 30_000 });

/** Delay before restart number `attempt` (0 for the first restart after a good run). */
export function restartDelayMs(attempt: number, backoff: RestartBackoff): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
}
