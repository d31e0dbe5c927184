/**
 * Requires camera programs before anything is spawned (the lookup itself is support/executables.ts),
 * so a missing package fails at start with the command that installs it.
 */
import { findExecutable } from '../support/executables.js';
import { captureErrors } from './errors.js';

/** The first of `candidates` found, with the name it was found under. */
export interface FoundExecutable {
  name: string;
  path: string;
}

/**
 * Returns the first candidate found, or throws EDGE_CAPTURE_BINARY_NOT_FOUND naming every name
 * tried and ending with `fix` (for example "install it with `apt-get install ffmpeg`").
 */
export function requireExecutable(candidates: readonly string[], searchPath: string, fix: string): FoundExecutable {
  for (const name of candidates) {
    const path = findExecutable(name, searchPath);
    if (path !== undefined) return { name, path };
  }
  const tried = candidates.join(' or ');
  throw captureErrors.EDGE_CAPTURE_BINARY_NOT_FOUND(`${tried} not found on PATH (${searchPath}); ${fix}`, {
    candidates: [...candidates],
    searchPath,
  });
}
