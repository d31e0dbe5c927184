/**
 * Who may use the console. On 127.0.0.1 (or ::1) only this machine can connect, so no token is
 * asked; the Host header must still name an address or `localhost`, so a web page elsewhere
 * cannot reach the console through a DNS name rebound to 127.0.0.1. On any other address every
 * request carries the token: as `Authorization: Bearer <token>`, as the cookie the page sets, or
 * once as `?token=` in the URL `edge-agent console url` prints (answered with the cookie and a
 * redirect that takes the token out of the address bar).
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { tokenMatches } from './token.js';

/** The cookie the page's later requests (image, live updates) carry the token in. */
export const TOKEN_COOKIE = 'edge_console_token';

/** Addresses only this machine can reach. */
const LOCAL_ONLY = new Set(['127.0.0.1', '::1', 'localhost']);

/** True when a console bound to `host` must ask for the token. */
export function tokenRequired(host: string): boolean {
  return !LOCAL_ONLY.has(host);
}

/** What to do with a request. */
export type AccessDecision =
  | { allow: true; /** The token came in the URL: set the cookie and redirect. */ fromQuery: boolean }
  | { allow: false; status: 401 | 403; reason: string };

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** The Host header's name without the port. */
function hostName(req: IncomingMessage): string {
  const h = req.headers.host ?? '';
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.split(':')[0] ?? '';
}

/** Decides whether `req` may be answered by a console with `token` (undefined: no token asked). */
export function decideAccess(req: IncomingMessage, url: URL, token: string | undefined): AccessDecision {
  if (token === undefined) {
    const name = hostName(req);
    if (name === 'localhost' || isIP(name) !== 0) return { allow: true, fromQuery: false };
    return { allow: false, status: 403, reason: `the console on a loopback address answers only requests addressed to an IP address or localhost, not ${JSON.stringify(name.slice(0, 100))}` };
  }
  if (tokenMatches(token, bearer(req)) || tokenMatches(token, cookie(req, TOKEN_COOKIE))) return { allow: true, fromQuery: false };
  if (tokenMatches(token, url.searchParams.get('token') ?? undefined)) return { allow: true, fromQuery: true };
  return { allow: false, status: 401, reason: 'this console needs its token; open the URL `edge-agent console url` prints on the device, or send `Authorization: Bearer <token>`' };
}
