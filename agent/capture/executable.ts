/**
 * Finds camera programs before anything is spawned, so a missing package fails at start with the
 * command that installs it rather than as an ENOENT from deep inside a restart loop.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { captureErrors } from './errors.js';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `nameOrPath`: a path is checked as given, a bare name is looked up in `searchPath`. */
export function findExecutable(nameOrPath: string, searchPath: string): string | undefined {
  if (nameOrPath.includes('/')) {
    const path = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
    return isExecutableFile(path) ? path : undefined;
  }
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, nameOrPath);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

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
