/**
 * The address a person opens to see the console, as `edge-agent console url` prints it: the
 * host and port from the configuration (the health server's, unless the console has its own),
 * and the token in the URL when the console asks for one. The page takes the token out of the
 * address bar at once (it becomes a cookie).
 */
import { hostname } from 'node:os';
import { tokenRequired } from './access.js';
import { consoleErrors } from './errors.js';
import type { ConsoleSettings } from './settings.js';
import { readOrCreateToken } from './token.js';

/** What `console url` reports. */
export interface ConsoleAddress {
  url: string;
  tokenRequired: boolean;
  tokenFile: string;
  /** Set when the URL cannot be exact (a port chosen at start, an all-addresses bind). */
  note?: string;
}

/** The console's URL under these settings; throws EDGE_CONSOLE_NOT_SERVED when there is none. */
export function consoleAddress(settings: ConsoleSettings, health: { enabled: boolean; port: number }): ConsoleAddress {
  if (!settings.enabled) throw consoleErrors.EDGE_CONSOLE_NOT_SERVED('Expected a console to point at but console.enabled is false; set console.enabled: true and restart the agent', {});
  if (settings.listen.shared && !health.enabled) {
    throw consoleErrors.EDGE_CONSOLE_NOT_SERVED('Expected a console to point at but it shares the health server (console.port is null) and health.enabled is false; set console.port, or health.enabled: true, and restart the agent', {});
  }
  const host = settings.listen.host;
  const port = settings.listen.shared ? health.port : settings.listen.port;
  const anyAddress = host === '0.0.0.0' || host === '::';
  const shownHost = anyAddress ? hostname() : host.includes(':') ? `[${host}]` : host;
  const needsToken = tokenRequired(host);
  // Made here too if the agent never started yet: the agent reads the same file.
  const token = readOrCreateToken(settings.tokenFile);
  const notes: string[] = [];
  if (port === 0) notes.push('the port is chosen when the agent starts (port 0): take it from the agent\'s `console listening` log line');
  if (anyAddress) notes.push(`the console answers on every address of this machine; ${hostname()} is one`);
  return {
    url: `http://${shownHost}:${port}/${needsToken ? `?token=${token}` : ''}`,
    tokenRequired: needsToken,
    tokenFile: settings.tokenFile,
    ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
  };
}
