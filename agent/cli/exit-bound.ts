/**
 * Ends the process shortly after its command has finished. A command's outcome (and its exit
 * status) is final once main() settles; a socket, timer or child something left open must not
 * keep a failed agent alive for seconds after its error line, with a supervisor waiting on it.
 */

/** How long the event loop may stay busy after the command settled: flushes and closes finish well within it. */
export const EXIT_GRACE_MS = 1000;

/** Exits with the current exit status if the process is still alive `graceMs` after this call. */
export function exitAfterGrace(graceMs = EXIT_GRACE_MS): void {
  // unref: a process with nothing left to do exits by itself, sooner, and this never holds it.
  setTimeout(() => process.exit(), graceMs).unref();
}
