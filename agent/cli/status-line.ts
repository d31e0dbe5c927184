/**
 * A one-line summary for a person watching the agent: frames, results, outbox depth. On a
 * terminal it rewrites itself in place every second; otherwise it prints a plain line every
 * `plainIntervalMs`, so a journal gets a pulse without a line per frame.
 */
import type { RuntimeStatus } from '../runtime/agent-runtime.js';

/** Formats one status line. */
export function formatStatus(s: RuntimeStatus, extra = ''): string {
  const age = s.oldestPendingAgeMs === null ? '-' : `${Math.round(s.oldestPendingAgeMs / 1000)}s`;
  return `frames ${s.framesCaptured} inferred ${s.framesInferred} dropped ${s.framesDropped} skipped ${s.framesSkipped} | results ${s.resultsKept} | outbox ${s.outboxPending} pending (${s.outboxBytes} B, oldest ${age})${extra}`;
}

/** Starts printing; returns a function that stops it (and ends the line on a terminal). */
export function startStatusLine(read: () => { status: RuntimeStatus; extra?: string }, out: NodeJS.WriteStream, plainIntervalMs = 10_000): () => void {
  const tty = out.isTTY === true;
  const write = () => {
    const { status, extra } = read();
    const line = formatStatus(status, extra ?? '');
    out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const timer = setInterval(write, tty ? 1000 : plainIntervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    write();
    if (tty) out.write('\n');
  };
}
