/**
 * SIGTERM and SIGINT caught from the moment a long-running command begins, before any of its
 * start-up: a supervisor that stops the agent while models load or a broker is dialled gets a
 * clean stop and exit status 0, never a death by signal halfway through opening the outbox.
 */

/** A stop request by signal, watched from before start-up. */
export interface StopSignals {
  /** Resolves with the first SIGTERM or SIGINT. */
  readonly requested: Promise<NodeJS.Signals>;
  /** The signal received so far, if any. */
  received(): NodeJS.Signals | undefined;
  /** Stops listening (later signals fall back to bin/edge-agent.js's handler). */
  dispose(): void;
}

/** Starts listening for SIGTERM and SIGINT now; `onSignal` is told of each one (for a log line). */
export function watchStopSignals(onSignal: (signal: NodeJS.Signals) => void = () => undefined): StopSignals {
  let received: NodeJS.Signals | undefined;
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const requested = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  // A second signal while stopping is noted but changes nothing: the stop is already bounded by
  // shutdownTimeoutMs, and a supervisor that cannot wait sends SIGKILL.
  const handler = (signal: NodeJS.Signals): void => {
    onSignal(signal);
    if (received !== undefined) return;
    received = signal;
    resolve(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    requested,
    received: () => received,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}
