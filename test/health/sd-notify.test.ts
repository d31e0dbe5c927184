import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createSdNotifier, watchdogIntervalMs } from '../../agent/health/sd-notify.js';
import { silentLogger } from '../../agent/log/logger.js';

// A real AF_UNIX datagram socket standing in for systemd's: prints each datagram as a line.
const RECEIVER = [
  'import socket, sys',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  'path = sys.argv[1]',
  "s.bind('\\0' + path[1:] if path.startswith('@') else path)",
  "print('bound', flush=True)",
  'while True:',
  '    print(s.recv(4096).decode(), flush=True)',
].join('\n');

async function receiver(t: Test, path: string): Promise<{ next: () => Promise<string> }> {
  const child = spawn('python3', ['-u', '-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done === true) throw new Error('receiver ended');
    return r.value;
  };
  t.equal(await next(), 'bound');
  return { next };
}

t.test('sends READY=1, WATCHDOG=1, STATUS and STOPPING=1 as datagrams on the socket', async (t) => {
  // AF_UNIX paths are limited to 108 bytes; tap's test folders are deeper than that.
  const dir = mkdtempSync(join(tmpdir(), 'sdn-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'notify.sock');
  const rx = await receiver(t, path);
  t.ok(existsSync(path));
  const n = createSdNotifier({ socketPath: path, logger: silentLogger() });
  t.equal(n.enabled, true);
  n.ready();
  t.equal(await rx.next(), 'READY=1');
  n.watchdog();
  n.watchdog();
  t.equal(await rx.next(), 'WATCHDOG=1');
  t.equal(await rx.next(), 'WATCHDOG=1');
  n.status('draining\n12 rows');
  t.equal(await rx.next(), 'STATUS=draining 12 rows', 'a newline would split the message; it becomes a space');
  n.stopping();
  t.equal(await rx.next(), 'STOPPING=1');
  await n.close();
  t.equal(n.enabled, false);
  n.watchdog();
});

t.test('abstract socket names (a leading @) reach the abstract namespace', async (t) => {
  const name = `edge-agent-test-${process.pid}-${Date.now()}`;
  const rx = await receiver(t, `@${name}`);
  const n = createSdNotifier({ socketPath: `@${name}`, logger: silentLogger() });
  n.ready();
  t.equal(await rx.next(), 'READY=1');
  await n.close();
});

t.test('outside systemd the notifier does nothing', async (t) => {
  const n = createSdNotifier({ socketPath: undefined, logger: silentLogger() });
  t.equal(n.enabled, false);
  n.ready();
  await n.close();
});

t.test('a missing relay interpreter disables notifications and says why', async (t) => {
  const warnings: string[] = [];
  const logger = silentLogger();
  logger.warn = ((_obj: unknown, msg: string) => {
    warnings.push(msg);
  }) as typeof logger.warn;
  const n = createSdNotifier({ socketPath: join(t.testdir(), 'x.sock'), logger, python: '/nonexistent/python3' });
  await new Promise((r) => setTimeout(r, 200));
  t.equal(n.enabled, false);
  t.match(warnings.join('\n'), /could not start.*install python3/);
  await n.close();
});

t.test('watchdog interval is half of WATCHDOG_USEC', async (t) => {
  t.equal(watchdogIntervalMs('30000000'), 15000);
  t.equal(watchdogIntervalMs(undefined), undefined);
  t.equal(watchdogIntervalMs('0'), undefined);
  t.equal(watchdogIntervalMs('abc'), undefined);
});
