/** Polls a condition; fails the test (instead of hanging) when it is not met in time. */
import type { Test } from 'tap';

/** Waits until `check()` is true, or fails `t` after `timeoutMs`. */
export async function until(t: Test, what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      t.fail(`timed out waiting for ${what}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
