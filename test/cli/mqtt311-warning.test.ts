import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedImages, sharedModels } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';

function configFile(dir: string, mqttVersion: string): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, `deviceId: test-kiosk
dataDir: ${dir}/data
models:
  mirror: ${sharedModels}
health:
  enabled: false
publish:
  transport: mqtt
  brokerUrl: mqtt://127.0.0.1:1
  mqttVersion: '${mqttVersion}'
cameras:
  - name: lobby
    source: { type: files, path: ${sharedImages}, fps: 8, loop: false }
    models:
      - id: person-yolox-192
`);
  return file;
}

t.test('MQTT 3.1.1: doctor warns that broker refusals cannot be seen; MQTT 5 does not', async (t) => {
  const dir = t.testdir();
  const r = await runCli(['doctor', '--json', '--config', configFile(dir, '3.1.1')]);
  const report = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string }[] };
  const check = report.checks.find((c) => c.name === 'broker refusals');
  t.equal(check?.status, 'warn');
  t.match(check?.detail, /3\.1\.1.*cannot tell the agent that it refused a publish/);
  const five = await runCli(['doctor', '--json', '--config', configFile(t.testdir(), '5')]);
  t.notOk((JSON.parse(five.stdout) as typeof report).checks.some((c) => c.name === 'broker refusals'));
});

t.test('MQTT 3.1.1: run says so in its start-up log', async (t) => {
  const dir = t.testdir();
  const r = await runCli(['run', '--config', configFile(dir, '3.1.1'), '--exit-when-done', '--no-status'], {}, 90_000);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /"level":40.*"mqttVersion":"3\.1\.1".*cannot tell the agent that it refused a publish/);
});
