import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';
import { writeOneCameraConfig } from '../helpers/agent-config.js';


t.test('run --exit-when-done stores one result per decodable image and exits 0', async (t) => {
  const dir = t.testdir();
  const r = await runCli(['run', '--config', writeOneCameraConfig(dir, { model: { threshold: 0.5 } }), '--exit-when-done', '--no-status'], {}, 90_000);
  t.equal(r.code, 0, r.stderr);
  const status = await runCli(['outbox', 'status', '--json', '--data-dir', join(dir, 'data')]);
  const s = JSON.parse(status.stdout) as { pendingRows: number; lastSeq: number };
  t.equal(s.pendingRows, 5, 'six images, one truncated');
  t.equal(s.lastSeq, 5);
  const exported = await runCli(['outbox', 'export', '--data-dir', join(dir, 'data')]);
  const rows = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { topic: string; payload: string | Record<string, unknown> });
  t.equal(rows.length, 5);
  t.match(rows[0]?.topic, /test-kiosk\/results\/person-yolox-192$/);
});

t.test('health endpoints answer while running; SIGTERM stops it cleanly with exit 0', async (t) => {
  const dir = t.testdir();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/edge-agent.js'), 'run', '--config', writeOneCameraConfig(dir, { loop: true, model: { threshold: 0.5 } }), '--no-status'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no health port logged:\n${stderr}`)), 60_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"port":(\d+),"msg":"health endpoint listening"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const base = `http://127.0.0.1:${port}`;
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  let ready = await fetch(`${base}/readyz`);
  for (let i = 0; i < 40 && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 250));
    ready = await fetch(`${base}/readyz`);
  }
  t.equal(ready.status, 200, 'ready once the model is warm and frames flow');
  await new Promise((r) => setTimeout(r, 1500));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /edge_agent_frames_captured_total\{camera="lobby"\} [1-9]/);
  t.match(metrics, /edge_agent_inference_duration_seconds_count\{model="person-yolox-192"\} [1-9]/);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exit, 0, 'exit status 0 after SIGTERM');
  t.match(stderr, /"msg":"agent stopped"/);
  const status = await runCli(['outbox', 'status', '--json', '--data-dir', join(dir, 'data')]);
  t.ok((JSON.parse(status.stdout) as { pendingRows: number }).pendingRows > 0, 'results were kept');
});

t.test('a bad config is refused with the key path and exit status 5', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'cameras:\n  - name: a\n    sorce: { type: files }\n    models: [{ id: person-yolox-192 }]\n');
  const r = await runCli(['run', '--config', file, '--no-status']);
  t.equal(r.code, 5);
  t.match(r.stderr, /sorce/);
  t.match(r.stderr, /Unknown key cameras\[0\]\.sorce; did you mean cameras\[0\]\.source\?/);
});
