import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';
import { writeOneCameraConfig } from '../helpers/agent-config.js';

// `edge-agent run` itself, with every inference stuck (inference.timeoutMs 1 on the real person
// model): without a watchdog it stops and exits 1 (what the Greengrass nucleus restarts); under a
// systemd-style notify socket with WATCHDOG_USEC it stops sending WATCHDOG=1 and keeps running.


// Every inference times out (1 ms) on the real person model, and the model is given up after two rebuilds.
function stuckConfig(dir: string): string {
  const inference = { timeoutMs: 1, maxRebuilds: 2, intraOpThreads: 1 };
  return writeOneCameraConfig(dir, { deviceId: 'stuck-kiosk', fps: 10, loop: true, model: { threshold: 0.5 }, top: { health: { enabled: false }, inference } });
}

function tempDir(t: Test): string {
  // Not t.testdir(): AF_UNIX socket paths are limited to 108 bytes and tap's folders are deeper.
  const dir = mkdtempSync(join(tmpdir(), 'edge-rr-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('without a watchdog, a model given up makes run stop cleanly and exit 1 with the reason', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['run', '--config', stuckConfig(dir), '--no-status'], { NOTIFY_SOCKET: '', WATCHDOG_USEC: '', EDGE_AGENT_LOG_LEVEL: 'info' }, 180_000);
  t.equal(r.code, 1, 'exit status 1, so the nucleus restarts the component');
  t.match(r.stderr, /edge-agent: Expected the agent to keep running but model person-yolox-192 failed and the agent needs a restart: its session was rebuilt 2 times within 600 s.*\[EDGE_HEALTH_RESTART_NEEDED\]/, 'one line with the model, the reason and the code');
  t.match(r.stderr, /no watchdog watches this process, so the agent stops and exits with status 1/, 'the log says what happens');
  t.match(r.stderr, /agent stopped/, 'shut down as on SIGTERM');
});

// A real AF_UNIX datagram socket standing in for systemd's: prints each datagram as a line.
const RECEIVER = [
  'import socket, sys',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  's.bind(sys.argv[1])',
  "print('bound', flush=True)",
  'while True:',
  '    print(s.recv(4096).decode().replace(chr(10), " "), flush=True)',
].join('\n');

t.test('under a systemd watchdog, a model given up stops WATCHDOG=1 while the status says why; the process is left running', async (t) => {
  const dir = tempDir(t);
  const socket = join(dir, 'notify.sock');
  const rx = spawn('python3', ['-u', '-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    rx.kill();
  });
  const lines = createInterface({ input: rx.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done === true) throw new Error('receiver ended');
    return r.value;
  };
  t.equal(await next(), 'bound');

  // WATCHDOG_USEC 400 ms: a round every 200 ms.
  const agent = spawn(process.execPath, [join(repoRoot, 'bin/edge-agent.js'), 'run', '--config', stuckConfig(dir), '--no-status'], {
    env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000', EDGE_AGENT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  agent.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  const exit = new Promise<number | null>((resolve) => agent.on('exit', (code) => {
    exited = true;
    resolve(code);
  }));
  t.teardown(() => {
    if (!exited) agent.kill('SIGKILL');
  });

  t.equal(await next(), 'READY=1');
  let pingsBefore = 0;
  let line = await next();
  while (!line.startsWith('STATUS=restart needed: ')) {
    if (line === 'WATCHDOG=1') pingsBefore++;
    line = await next();
  }
  t.match(line, /^STATUS=restart needed: model person-yolox-192 failed and the agent needs a restart: its session was rebuilt 2 times/, 'the status line names the model and why');
  const after: string[] = [];
  for (let i = 0; i < 5; i++) after.push(await next());
  t.comment(`WATCHDOG=1 sent ${pingsBefore} times before the give-up`);
  t.same(after.filter((l) => l === 'WATCHDOG=1'), [], 'no WATCHDOG=1 in the five rounds after');
  t.ok(after.every((l) => l.startsWith('STATUS=restart needed: ')), 'each round still says why');
  t.equal(exited, false, 'still running: systemd restarts it when WatchdogSec runs out');
  t.match(stderr, /stopped sending WATCHDOG=1, so systemd restarts the service/);
  agent.kill('SIGTERM');
  t.equal(await exit, 1, 'a SIGTERM after the give-up still exits 1');
});
