/** Options every camera source shares, and what the composition root hands each source. */
import type { Logger } from '../log/logger.js';
import type { BackoffBounds } from '../support/backoff.js';
import { captureErrors } from './errors.js';

/** Timeouts and restart bounds of a camera source; every field has a default. */
export interface SourceTimingOptions {
  /** How long a camera may take to deliver its first frame after (re)starting. Default 10000. */
  openTimeoutMs?: number;
  /** How long a running camera may go without a frame before it counts as stalled and is restarted. Default 5000. */
  stallTimeoutMs?: number;
  /** Restart backoff; defaults to 500 ms doubling up to 30 s. */
  restartBackoff?: BackoffBounds;
  /** How long a child process gets after SIGTERM before SIGKILL. Default 2000. */
  killTimeoutMs?: number;
}

/** Timing options with every default filled in. */
export type SourceTiming = Required<SourceTimingOptions>;

/** What every source receives from the composition root besides its own options. */
export interface CaptureContext {
  logger: Logger;
  /** The PATH to look programs up in (the agent's own PATH; only config/ reads the environment). */
  searchPath: string;
}

/** Fills in defaults and rejects timeouts that are not positive numbers. */
export function resolveTiming(options: SourceTimingOptions, sourceName: string): SourceTiming {
  const timing: SourceTiming = {
    openTimeoutMs: options.openTimeoutMs ?? 10_000,
    stallTimeoutMs: options.stallTimeoutMs ?? 5_000,
    restartBackoff: options.restartBackoff ?? { initialMs: 500, maxMs: 30_000 },
    killTimeoutMs: options.killTimeoutMs ?? 2_000,
  };
  const checks: [string, number][] = [
    ['openTimeoutMs', timing.openTimeoutMs],
    ['stallTimeoutMs', timing.stallTimeoutMs],
    ['restartBackoff.initialMs', timing.restartBackoff.initialMs],
    ['restartBackoff.maxMs', timing.restartBackoff.maxMs],
    ['killTimeoutMs', timing.killTimeoutMs],
  ];
  for (const [key, value] of checks) requirePositive(value, key, sourceName);
  return timing;
}

/** Throws EDGE_CAPTURE_INVALID_OPTION unless `value` is a finite number above 0. */
export function requirePositive(value: number, key: string, sourceName: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(
      `Expected positive number for ${key} of source "${sourceName}" but received ${String(value)} of type ${typeof value}`,
      { source: sourceName, key, value },
    );
  }
}
