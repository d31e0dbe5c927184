/**
 * The console's access token: 32 random bytes made at first start and kept in the data
 * directory with mode 0600, so only the agent's user (and root) can read it, and
 * `edge-agent console url` can print it. The token is never logged.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { consoleErrors } from './errors.js';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

/** Reads the token at `file`, making it (mode 0600) when there is none yet. */
export function readOrCreateToken(file: string): string {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, 'wx', 0o600);
    try {
      const token = randomBytes(32).toString('base64url');
      writeSync(fd, `${token}\n`);
      return token;
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw tokenFileError(file, err);
  }
  return readToken(file);
}

/** Reads an existing token; tightens a file others may read back to 0600 (a copy made with `cp`). */
export function readToken(file: string): string {
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw tokenFileError(file, err);
  }
  if (!TOKEN_PATTERN.test(text)) {
    throw consoleErrors.EDGE_CONSOLE_TOKEN_FILE(`Expected ${file} to hold one console token (32 to 128 letters, digits, - or _) but it does not; delete the file and the agent makes a new one at its next start`, { file });
  }
  return text;
}

/** True when `given` is the token; compared in constant time so the answer's timing tells nothing. */
export function tokenMatches(token: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenFileError(file: string, err: unknown): Error {
  const reason = err instanceof Error ? err.message : String(err);
  return consoleErrors.EDGE_CONSOLE_TOKEN_FILE(`Expected to create or read the console token at ${file} but: ${reason}; check that the data directory is writable by the agent's user`, { file }, err);
}
