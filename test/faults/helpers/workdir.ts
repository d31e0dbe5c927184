/** A scratch folder per scenario under the OS temp dir, removed at clean-up. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from './scenario.js';

/** Creates `<tmp>/edge-faults-<name>-XXXX`, removed when the scenario ends. */
export function workdir(s: Scenario, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `edge-faults-${name}-`));
  s.cleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
