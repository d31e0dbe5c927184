/** A reusable wake-up: one side waits (with a timeout), the other side pokes it. */

/** Lets the drainer sleep until something changes: an ack, a new row, a lost connection, stop. */
export class Wakeup {
  private readonly waiters = new Set<() => void>();

  /** Resolves on the next `notify()` or after `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Wakes every waiter. */
  notify(): void {
    for (const done of [...this.waiters]) done();
  }
}
