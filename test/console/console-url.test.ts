/**
 * `edge-agent console url`: the health server's address on loopback (no token), the console's
 * own address with the token elsewhere, the same token the agent uses (made once, mode 0600), and
 * a config error when no console is served.
 */
import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';

t.test('loopback: the plain address; elsewhere: the token in the URL', async (t) => {
  const dir = t.testdir({});
  const local = await runCli(['console', 'url', '--data-dir', dir]);
  t.equal(local.code, 0, local.stderr);
  t.equal(local.stdout, 'http://127.0.0.1:9464/\n', 'on the health server, no token needed');
  const file = join(dir, 'console-token');
  t.equal(statSync(file).mode & 0o777, 0o600, 'the token was made, mode 0600');
  const token = readFileSync(file, 'utf8').trim();

  const remote = await runCli(['console', 'url', '--data-dir', dir, '--json'], { EDGE_AGENT_CONSOLE__HOST: '127.0.0.2', EDGE_AGENT_CONSOLE__PORT: '9470' });
  t.equal(remote.code, 0, remote.stderr);
  const parsed = JSON.parse(remote.stdout) as { url: string; tokenRequired: boolean };
  t.same(parsed, { url: `http://127.0.0.2:9470/?token=${token}`, tokenRequired: true, tokenFile: file }, 'the same token, in the URL');
});

t.test('no console, no URL: a config error', async (t) => {
  const dir = t.testdir({});
  const off = await runCli(['console', 'url', '--data-dir', dir], { EDGE_AGENT_CONSOLE__ENABLED: 'false' });
  t.equal(off.code, 5, 'config exit status');
  t.match(off.stderr, /EDGE_CONSOLE_NOT_SERVED/);
});
