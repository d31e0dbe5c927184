/**
 * Turns a command's outcome into what a person at the shell sees: one line on stderr naming the
 * error code, and an exit status that tells usage, config, model and input failures apart.
 */
import { AgentError, describeError, exitCodes } from '../errors/agent-error.js';

/** Wraps a command action so every failure ends in a readable line and the right exit status. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      reportFailure(err);
    }
  };
}

/** Prints a failure on stderr and sets the exit status from its kind. */
export function reportFailure(err: unknown): void {
  if (err instanceof AgentError) {
    process.stderr.write(`edge-agent: ${err.message} [${err.code}]\n`);
    process.exitCode = exitCodes[err.kind];
  } else {
    process.stderr.write(`edge-agent: unexpected failure: ${describeError(err)}\n`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = exitCodes.runtime;
  }
}
