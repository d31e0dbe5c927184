import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';
import { writeOneCameraConfig } from '../helpers/agent-config.js';


interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs `edge-agent run`, sends SIGTERM when stderr matches `when`. */
function runAndStop(args: string[], when: RegExp): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/edge-agent.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

t.test('SIGTERM during start-up (models loading) ends the run cleanly with status 0, not by signal', async (t) => {
  const dir = t.testdir();
  const r = await runAndStop(['run', '--config', writeOneCameraConfig(dir, { loop: true }), '--no-status'], /"msg":"agent starting"/);
  t.equal(r.signal, null, 'not killed by the signal');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /stop requested during start-up/);
  t.match(r.stderr, /"msg":"agent stopped"/, 'what had started was stopped');
});

t.test('a fatal configuration error (EDGE_PUBLISH_BAD_TOPIC) ends the process with its status', async (t) => {
  const dir = t.testdir();
  const publish = { transport: 'mqtt', brokerUrl: 'mqtt://127.0.0.1:1', topics: { results: 'edge/{nope}/x' } };
  const r = await runCli(['run', '--config', writeOneCameraConfig(dir, { loop: true, top: { publish } }), '--no-status'], {}, 60_000);
  t.equal(r.code, 5, r.stderr);
  t.match(r.stderr, /\[EDGE_PUBLISH_BAD_TOPIC\]/);
});

t.test('exitAfterGrace ends a process that something keeps alive, with the exit status already set', async (t) => {
  const script = `import { exitAfterGrace } from ${JSON.stringify(join(repoRoot, 'agent/cli/exit-bound.ts'))};
setInterval(() => undefined, 1000); // a handle left open, as a lingering socket would be
process.exitCode = 5;
exitAfterGrace(200);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: 'ignore' });
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(guard);
  t.equal(signal, null, 'ended by itself, not by the guard');
  t.equal(code, 5);
});
