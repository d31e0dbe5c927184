/** A real small file system for disk tests: a tmpfs mounted by the test (needs root). */
import type { Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Mounts a tmpfs of `sizeBytes` on a fresh folder under os.tmpdir() (not t.testdir(), which tap
 * removes before teardowns run); unmounted and removed in teardown.
 */
export function mountTmpfs(t: Test, sizeBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  t.teardown(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Why a tmpfs cannot be mounted here (then the tests are skipped with it), or false. */
export function mountProblem(): string | false {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir]);
    return false;
  } catch (err) {
    return `cannot mount a tmpfs here (needs root): ${(err as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Free bytes on the file system holding `dir` (statfs bavail). */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Writes a ballast file so that about `leaveFreeBytes` stay free on `dir`'s file system; returns its path. */
export function fillUntilFree(dir: string, leaveFreeBytes: number): string {
  const ballast = join(dir, 'ballast');
  writeFileSync(ballast, Buffer.alloc(Math.max(0, freeBytes(dir) - leaveFreeBytes)));
  return ballast;
}
