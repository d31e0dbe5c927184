/**
 * The agent's one lookup of executables: camera programs at start, and `doctor`'s checks. A
 * missing program is found before anything is spawned, so it fails with the command that installs
 * it rather than as an ENOENT from deep inside a restart loop.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Absolute path of `nameOrPath`, or undefined: a path is checked as given, a bare name is looked
 * up in `searchPath` (a PATH-style string, or its directories).
 */
export function findExecutable(nameOrPath: string, searchPath: string | readonly string[]): string | undefined {
  if (nameOrPath.includes('/')) {
    const path = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
    return isExecutableFile(path) ? path : undefined;
  }
  const dirs = typeof searchPath === 'string' ? searchPath.split(delimiter) : searchPath;
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, nameOrPath);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
