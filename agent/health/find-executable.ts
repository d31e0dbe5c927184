/** Finds an executable on a search path the way a shell would, without running a shell. */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** The full path of `name` (or `name` itself when it is a path), or null when not found or not executable. */
export function findExecutable(name: string, searchPath: readonly string[]): string | null {
  const candidates = name.includes('/') || isAbsolute(name) ? [name] : searchPath.map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return null;
}
