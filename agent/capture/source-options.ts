/**
 * What every camera source shares: the timing and format keys of the config's `cameras[].source`
 * (same names, every value already resolved; defaults live only in config/schema.ts), and what the
 * composition root hands each source besides its options.
 */
import type { AgentError } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import type { BackoffBounds } from '../support/backoff.js';
import { captureErrors } from './errors.js';

/** Timeouts and restart bounds of a camera source (`source.openTimeoutMs` ... `source.restartBackoffMaxMs`). */
export interface SourceTiming {
  /** How long a camera may take to deliver its first frame after (re)starting. */
  openTimeoutMs: number;
  /** How long a running camera may go without a frame before it is restarted. */
  stallTimeoutMs: number;
  /** Wait before the first restart or reopen; doubles on each failure. */
  restartBackoffInitialMs: number;
  /** Longest wait between restarts or reopens. */
  restartBackoffMaxMs: number;
}

/** Frame size and rate (`source.width`, `source.height`, `source.fps`). */
export interface SourceFormat {
  width: number;
  height: number;
  fps: number;
}

/** Why a source restarts its camera: the process exited, it stalled, or opening it failed. */
export type SourceRestartReason = 'exited' | 'stalled' | 'failed-to-start';

/** What every source receives from the composition root besides its own options. */
export interface CaptureContext {
  logger: Logger;
  /** The PATH to look programs up in (the agent's own PATH; only config/ reads the environment). */
  searchPath: string;
  /** Where device nodes live (`/dev`); `auto` lists video devices here. */
  devDir: string;
  /** Called each time the source restarts its camera, with the failure that caused it (metrics, readiness). */
  onRestart?: (reason: SourceRestartReason, cause: AgentError) => void;
  /** Called when the source gives up: a failure no retry can fix (a missing program, an invalid option). */
  onFailed?: (cause: AgentError) => void;
}

/** The restart backoff bounds of `timing`. */
export function backoffBounds(timing: SourceTiming): BackoffBounds {
  return { initialMs: timing.restartBackoffInitialMs, maxMs: timing.restartBackoffMaxMs };
}

/** Rejects timing values that are not positive numbers (the schema already does for config; this guards direct use). */
export function checkTiming(timing: SourceTiming, sourceName: string): void {
  for (const key of ['openTimeoutMs', 'stallTimeoutMs', 'restartBackoffInitialMs', 'restartBackoffMaxMs'] as const) {
    requirePositive(timing[key], key, sourceName);
  }
}

/** Rejects a size or rate that is not a positive number. */
export function checkFormat(format: SourceFormat, sourceName: string): void {
  for (const key of ['width', 'height', 'fps'] as const) requirePositive(format[key], key, sourceName);
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
