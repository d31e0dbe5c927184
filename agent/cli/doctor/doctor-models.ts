/**
 * Doctor's model checks: each model the cameras name, verified (size and sha256 against its
 * manifest) in the store `run` would open for the same configuration, so "no problems" means
 * `run` will not stop with EDGE_MODEL_NOT_PULLED.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError, describeError } from '../../errors/agent-error.js';
import type { AgentConfig } from '../../config/schema.js';
import type { ModelStore } from '../../models/model-store.js';
import type { DoctorCheck } from './doctor-check.js';

/** Every model id the cameras name, once each, in configuration order. */
export function configuredModelIds(config: AgentConfig): string[] {
  return [...new Set(config.cameras.flatMap((camera) => camera.models.map((m) => m.id)))];
}

/**
 * One check per configured model. `command(args)` spells an edge-agent command line with the
 * flags that select this configuration, so the fix pulls into the folder `run` reads.
 */
export async function modelChecks(config: AgentConfig, store: ModelStore, command: (args: string) => string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const id of configuredModelIds(config)) {
    const name = `model ${id}`;
    let file: string;
    try {
      file = store.manifest(id).file;
    } catch (err) {
      const detail = err instanceof AgentError ? `${err.message} [${err.code}]` : describeError(err);
      checks.push({ name, status: 'problem', detail, fix: `name a known model in cameras[].models[].id (\`${command('models list')}\`)` });
      continue;
    }
    const v = await store.verify(id);
    if (v.state === 'ok') {
      checks.push({ name, status: 'ok', detail: `${v.path} matches its manifest (${v.expectedBytes} bytes, sha256 ${v.expectedSha256.slice(0, 12)}…)` });
      continue;
    }
    const found =
      v.state === 'missing'
        ? `not pulled: ${v.path} does not exist`
        : v.state === 'size-mismatch'
          ? `${v.path} has ${v.actualBytes ?? 0} bytes, its manifest says ${v.expectedBytes}`
          : `${v.path} has sha256 ${v.actualSha256 ?? ''}, its manifest says ${v.expectedSha256}`;
    // With a mirror, run pulls (or replaces) the file at start; without one it stops.
    const mirrorFile = store.mirrorDir === undefined ? undefined : join(store.mirrorDir, id, file);
    if (mirrorFile !== undefined && existsSync(mirrorFile)) {
      checks.push({ name, status: 'warn', detail: `${found}; run will pull it from the mirror ${mirrorFile}`, fix: `pull it now: \`${command(`models pull ${id}${v.state === 'missing' ? '' : ' --force'}`)}\`` });
      continue;
    }
    const mirrorNote = mirrorFile === undefined ? '' : ` (the mirror has no ${mirrorFile})`;
    checks.push({
      name,
      status: 'problem',
      detail: `${found}${mirrorNote}`,
      fix: `\`${command(`models pull ${id}${v.state === 'missing' ? '' : ' --force'}`)}\` (add --from DIR to pull from a mirror directory)`,
    });
  }
  return checks;
}
