/**
 * A known password set in every place a secret can be set (publish.password in the file and in
 * EDGE_AGENT_PUBLISH__PASSWORD, broker URL credentials, rtsp and http camera URL credentials) and
 * every path made to log: a failed broker connect to a closed 127.0.0.1 port, failed cameras,
 * bad configurations, doctor. All output of the real process (stdout and stderr, debug logs on) is
 * searched for the password.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot, sharedModels } from '../helpers/shared.js';

const password = 'Pw-s3cr3t-XyZ';
const numericPassword = '73519264';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs edge-agent; when `until` matches the output so far, sends SIGTERM. Killed after 120 s whatever happens. */
function runAgent(args: readonly string[], env: Record<string, string>, until?: (output: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'edge-agent.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let termed = false;
    const onData = (c: Buffer): void => {
      output += c.toString();
      if (!termed && until?.(output) === true) {
        termed = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

function configYaml(dir: string, port: number, extra: string[] = []): string {
  return [
    `dataDir: ${join(dir, 'data')}`,
    'logLevel: debug',
    'health: { port: 0 }',
    `models: { mirror: ${sharedModels} }`,
    'publish:',
    '  transport: mqtt',
    `  brokerUrl: mqtt://agent:${password}@127.0.0.1:${port}`,
    '  username: agent',
    `  password: ${password}`,
    '  reconnect: { initialMs: 100, maxMs: 1000 }',
    'cameras:',
    `  - { name: gate, source: { type: rtsp, url: "rtsp://admin:${password}@127.0.0.1:${port}/stream1", openTimeoutMs: 2000, restartBackoffInitialMs: 100, restartBackoffMaxMs: 500 }, models: [{ id: person-yolox-192 }] }`,
    `  - { name: door, source: { type: http, url: "http://viewer:${password}@127.0.0.1:${port}/video.mjpg", openTimeoutMs: 2000, restartBackoffInitialMs: 100, restartBackoffMaxMs: 500 }, models: [{ id: person-yolox-192 }] }`,
    ...extra,
  ].join('\n');
}

t.test('run: failed broker connects and failed cameras log without the password', async (t) => {
  const dir = t.testdir();
  const port = await closedPort();
  const file = join(dir, 'config.yaml');
  writeFileSync(file, configYaml(dir, port));
  const seen = (o: string): boolean => /EDGE_PUBLISH_CONNECT_FAILED/.test(o) && (o.match(/camera could not be opened|camera will not be retried/g) ?? []).length >= 4;
  const r = await runAgent(['run', '--config', file, '--no-status'], { EDGE_AGENT_PUBLISH__PASSWORD: password }, seen);
  t.ok(seen(r.output), 'the broker and both cameras failed and logged');
  t.match(r.output, `mqtt://***@127.0.0.1:${port}`, 'the broker is still named, without credentials');
  t.match(r.output, `rtsp://***@127.0.0.1:${port}/stream1`);
  t.notMatch(r.output, password, 'the password appears nowhere in the output');
  t.equal((r.output.match(/"deviceId"/g) ?? []).length, r.output.split('\n').filter((l) => l.includes('"deviceId"')).length, 'deviceId once per line');
  t.comment(`${r.output.split('\n').length} lines searched`);
});

t.test('bad configurations never echo a secret', async (t) => {
  const dir = t.testdir();
  const port = await closedPort();
  const cases: Record<string, string> = {
    // A password that parses as a number fails the string type.
    numeric: `publish:\n  transport: mqtt\n  brokerUrl: mqtt://127.0.0.1:${port}\n  password: ${numericPassword}\n`,
    // YAML that does not parse, on the password's line.
    yaml: `publish:\n  password: ${numericPassword}: x\n`,
    unterminated: `publish:\n  password: "${password}\n  transport: mqtt\n`,
    // A broker URL of the wrong scheme with credentials; a camera URL of the wrong scheme.
    scheme: `publish:\n  transport: mqtt\n  brokerUrl: http://u:${password}@127.0.0.1:${port}\n`,
    camera: `cameras:\n  - { name: c, source: { type: rtsp, url: "http://u:${password}@cam/x" }, models: [{ id: m }] }\n`,
    // A misspelled key holding the password.
    misspelled: `publish:\n  pasword: ${password}\n`,
  };
  for (const [name, yaml] of Object.entries(cases)) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    const r = await runAgent(['run', '--config', file, '--no-status'], {});
    t.equal(r.code, 5, `${name}: the config error exit status\n${r.output}`);
    t.notMatch(r.output, password, `${name}: no password`);
    t.notMatch(r.output, numericPassword, `${name}: no numeric password`);
  }
  const env = await runAgent(['run', '--no-status'], { EDGE_AGENT_PUBLISH__PASSWORD: numericPassword, EDGE_AGENT_PUBLISH__BROKER_URL: `ftp://u:${password}@h`, EDGE_AGENT_DATA_DIR: dir });
  t.equal(env.code, 5, env.output);
  t.notMatch(env.output, password);
  t.notMatch(env.output, numericPassword);
});

t.test('doctor with the same configuration shows no password', async (t) => {
  const dir = t.testdir();
  const port = await closedPort();
  const file = join(dir, 'config.yaml');
  writeFileSync(file, configYaml(dir, port));
  const r = await runAgent(['doctor', '--config', file], { EDGE_AGENT_PUBLISH__PASSWORD: password });
  t.match(r.output, String(port), 'doctor checked the broker port');
  t.notMatch(r.output, password);
  const json = await runAgent(['doctor', '--config', file, '--json'], { EDGE_AGENT_PUBLISH__PASSWORD: password });
  t.notMatch(json.output, password);
});
