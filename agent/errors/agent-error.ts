/**
 * The one error type the agent throws. Every failure a person or a program may act on carries a
 * stable `code` from the catalogue (agent/docs/catalogue.ts, documented in docs/errors.md), so
 * logs, metrics and exit codes never depend on message wording.
 */
import { withoutUrlCredentials } from '../support/redact.js';

/** How a failure maps onto the CLI's exit status (docs/cli.md lists the numbers). */
export type ErrorKind = 'usage' | 'config' | 'model' | 'input' | 'environment' | 'runtime';

/** Process exit status for each kind; 0 is success and 1 is an unexpected crash. */
export const exitCodes: Readonly<Record<ErrorKind, number>> = Object.freeze({
  runtime: 1,
  usage: 2,
  model: 3,
  input: 4,
  config: 5,
  environment: 6,
});

/** One catalogue entry: what kind of failure the code is, and a one-line description. */
export interface ErrorSpec {
  readonly kind: ErrorKind;
  readonly summary: string;
}

/** An error with a catalogue code and optional structured details for logs. */
export class AgentError extends Error {
  /** Stable code such as `EDGE_MODEL_SHA256_MISMATCH`. */
  readonly code: string;
  /** Which exit status the CLI uses when this error ends a command. */
  readonly kind: ErrorKind;
  /** Machine-readable context (paths, sizes, key paths) for structured logs. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, kind: ErrorKind, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    // URL credentials quoted from config or a library's error never reach a log, /readyz or stderr.
    super(withoutUrlCredentials(message), options);
    this.name = 'AgentError';
    this.code = code;
    this.kind = kind;
    this.details = Object.freeze(Object.fromEntries(Object.entries(details).map(([k, v]) => [k, typeof v === 'string' ? withoutUrlCredentials(v) : v])));
    // Counted where raised, in this one place: every code reaches `edge_agent_errors_total`.
    for (const listener of raisedListeners) listener(code);
  }
}

/** Called with the code of every AgentError when it is created (which is where it is raised). */
export type RaisedErrorListener = (code: string) => void;

const raisedListeners = new Set<RaisedErrorListener>();

/** Calls `listener` with the code of every AgentError raised from now on; returns the unsubscribe. */
export function observeRaisedErrors(listener: RaisedErrorListener): () => void {
  raisedListeners.add(listener);
  return () => {
    raisedListeners.delete(listener);
  };
}

/**
 * Counts a caught value that is not an AgentError (a bug, or a library's own exception) as
 * `EDGE_UNEXPECTED`; AgentErrors were counted when raised, so they are not counted twice.
 */
export function noteUnexpected(err: unknown): void {
  if (err instanceof AgentError) return;
  for (const listener of raisedListeners) listener('EDGE_UNEXPECTED');
}

/**
 * Declares a group of error codes and returns one factory per code, so call sites read
 * `modelErrors.EDGE_MODEL_SHA256_MISMATCH(message, details)` and cannot misspell a code.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): {
  readonly [K in keyof T]: ((message: string, details?: Record<string, unknown>, cause?: unknown) => AgentError) & { readonly code: K; readonly spec: T[K] };
} {
  const out: Record<string, unknown> = {};
  for (const [code, spec] of Object.entries(specs)) {
    const make = (message: string, details: Record<string, unknown> = {}, cause?: unknown): AgentError =>
      new AgentError(code, spec.kind, message, details, cause === undefined ? undefined : { cause });
    out[code] = Object.assign(make, { code, spec });
  }
  return Object.freeze(out) as never;
}

/** True when `err` is an AgentError with the given code. */
export function hasCode(err: unknown, code: string): err is AgentError {
  return err instanceof AgentError && err.code === code;
}

/** Describes any thrown value in a sentence, for logs and stderr. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return `non-Error value thrown: ${String(err)}`;
}
