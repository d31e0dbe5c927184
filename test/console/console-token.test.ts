/**
 * Safe by default: bound to 127.0.0.2 (an address other than 127.0.0.1) the console refuses
 * every request without its token (401), takes it as a bearer header or once in the URL (then as
 * a cookie, with the token taken out of the address bar), and the browser gets the page that way.
 * The token file is mode 0600. On 127.0.0.1 a Host header naming a DNS name is refused.
 */
import t from 'tap';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { chromiumPath, openBrowser, pictureShown, startAgent } from './helpers.js';
import { sharedImage } from '../helpers/shared.js';

t.setTimeout(480_000);

/** A GET with exact headers (fetch would not let the Host header be set). */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, method }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('bound to 127.0.0.2 the console needs its token', async (t) => {
  const { rt, dataDir } = await startAgent(t, [{ name: 'cam', path: sharedImage('hopper.jpg') }], { console: { host: '127.0.0.2', port: 0 } });
  const base = rt.console?.url ?? '';
  t.match(base, /^http:\/\/127\.0\.0\.2:\d+$/, 'on its own server at 127.0.0.2');
  const file = join(dataDir, 'console-token');
  t.equal(statSync(file).mode & 0o777, 0o600, 'the token file is mode 0600');
  const token = readFileSync(file, 'utf8').trim();
  t.ok(token.length >= 32, 'a long random token');

  for (const path of ['/', '/api/state', '/api/events', '/api/cameras/cam/latest.jpg']) {
    t.equal((await get(`${base}${path}`)).status, 401, `${path} without the token is refused`);
    t.equal((await get(`${base}${path}`, { authorization: 'Bearer wrong-token-wrong-token-wrong-token' })).status, 401, `${path} with a wrong token is refused`);
  }
  t.equal((await get(`${base}/api/state`, { authorization: `Bearer ${token}` })).status, 200, 'a bearer token is accepted');
  const viaUrl = await get(`${base}/?token=${token}`);
  t.equal(viaUrl.status, 303, 'the token in the URL is answered with a redirect');
  t.equal(viaUrl.headers['location'], '/', 'that takes the token out of the address');
  t.match(String(viaUrl.headers['set-cookie']), /HttpOnly; SameSite=Strict/, 'and sets an HttpOnly cookie');
  t.equal((await get(`${base}/api/state`, { cookie: `edge_console_token=${token}` })).status, 200, 'the cookie is accepted');
  t.equal((await get(`${rt.health?.url ?? ''}/`)).status, 404, 'the health server on 127.0.0.1 does not serve the console when it has its own port');
  t.equal((await get(`${base}/api/state`, { authorization: `Bearer ${token}` }, 'POST')).status, 405, 'nothing but GET and HEAD: no endpoint changes anything');

  if (!existsSync(chromiumPath)) return;
  const context = await openBrowser(t);
  const page = await context.newPage();
  const refused = await page.goto(`${base}/`);
  t.equal(refused?.status(), 401, 'the browser without the token is refused');
  const ok = await page.goto(`${base}/?token=${token}`);
  t.equal(ok?.status(), 200, 'with the URL `edge-agent console url` prints, the page loads');
  t.equal(new URL(page.url()).search, '', 'and the address bar no longer shows the token');
  const shown = await page.waitForFunction(pictureShown('cam'), undefined, { timeout: 60_000 }).then(() => true, () => false);
  t.ok(shown, 'and its picture and live updates get through with the cookie');
});

t.test('on 127.0.0.1 no token is asked, but the Host must be an address or localhost', async (t) => {
  const { rt } = await startAgent(t, [{ name: 'cam', path: sharedImage('hopper.jpg') }]);
  const base = rt.console?.url ?? '';
  t.equal((await get(`${base}/api/state`)).status, 200, 'no token on loopback');
  t.equal((await get(`${base}/api/state`, { host: 'localhost' })).status, 200);
  t.equal((await get(`${base}/api/state`, { host: 'attacker.example:9464' })).status, 403, 'a rebound DNS name is refused');
  t.equal((await get(`${base}/healthz`)).status, 200, 'health routes still answer');
  t.equal((await get(`${base}/nothing-here`)).status, 404);
});

t.test('a token file that cannot be read never stops the agent; off loopback the console is then not served', async (t) => {
  const { mkdtempSync, mkdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  // A directory where the token file should be: neither made nor read.
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-console-badtoken-'));
  mkdirSync(join(dataDir, 'console-token'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const { rt } = await startAgent(t, [{ name: 'cam', path: sharedImage('hopper.jpg') }], { dataDir, console: { host: '127.0.0.2', port: 0 } });
  t.ok(rt.cameras.length === 1, 'the agent runs');
  t.equal(rt.console?.url, undefined, 'the console does not answer without a token to ask for');
});
