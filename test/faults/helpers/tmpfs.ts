/** A tmpfs of a given size mounted for the scenario (needs root), unmounted at clean-up. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from './scenario.js';

/** Mounts a tmpfs of `sizeBytes` on a fresh folder and returns it. */
export function mountTmpfs(s: Scenario, sizeBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-faults-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  s.cleanup(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Bytes free for an unprivileged writer on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}
