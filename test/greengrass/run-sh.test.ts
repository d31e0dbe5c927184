import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

// run.sh from the repository in a minimal artifact layout, beside a runtime component whose
// `node` is a stand-in that records how it was started (instead of starting the agent), and
// whose check-system.sh is the real one.
function setup(t: Test): { artifact: string; work: string; models: string; bin: string; record: string; runtime: string } {
  const root = t.testdir();
  const artifact = join(root, 'artifacts', 'edge-agent');
  mkdirSync(join(artifact, 'greengrass'), { recursive: true });
  mkdirSync(join(artifact, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'greengrass', 'run.sh'), join(artifact, 'greengrass', 'run.sh'));
  writeFileSync(join(artifact, 'bin', 'edge-agent.js'), '');
  const runtime = join(root, 'runtime', 'edge-agent-runtime-linux-x64');
  mkdirSync(join(runtime, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'greengrass', 'check-system.sh'), join(runtime, 'check-system.sh'));
  const models = join(root, 'model-component', 'person-yolox-192');
  mkdirSync(models, { recursive: true });
  writeFileSync(join(models, 'manifest.json'), '{"id":"person-yolox-192"}\n');
  const bin = join(runtime, 'bin');
  const record = join(root, 'node-started.json');
  writeFileSync(
    join(bin, 'node'),
    `#!/bin/sh
printf '{"argv":"%s","thing":"%s","device":"%s","mirror":"%s","dir":"%s","transport":"%s","leftover":"%s"}' "$*" "$EDGE_AGENT_PUBLISH__THING_NAME" "$EDGE_AGENT_DEVICE_ID" "$EDGE_AGENT_MODELS__MIRROR" "$EDGE_AGENT_MODELS__DIR" "$EDGE_AGENT_PUBLISH__TRANSPORT" "\${GG_EDGE_AGENT_CONFIG:-}\${GG_EDGE_AGENT_WORK_DIR:-}" > ${record}
`,
  );
  chmodSync(join(bin, 'node'), 0o755);
  return { artifact, work: join(root, 'work'), models, bin, record, runtime };
}

// PATH has no node at all: the runtime component's is the only one run.sh may use.
function runSh(s: ReturnType<typeof setup>, env: Record<string, string>, runtimeDir: string = s.runtime): { status: number | null; stderr: string } {
  const r = spawnSync('sh', [join(s.artifact, 'greengrass', 'run.sh')], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', GG_EDGE_AGENT_RUNTIME_DIR: runtimeDir, ...env } });
  return { status: r.status, stderr: r.stderr };
}

t.test('writes the config, links the model components and execs the agent with the greengrass transport', async (t) => {
  const s = setup(t);
  mkdirSync(s.work, { recursive: true });
  const config = '{"logLevel":"debug","cameras":[]}';
  const r = runSh(s, {
    GG_EDGE_AGENT_CONFIG: config,
    GG_EDGE_AGENT_WORK_DIR: s.work,
    GG_EDGE_AGENT_MODEL_DIRS: s.models,
    EDGE_AGENT_PUBLISH__TRANSPORT: 'greengrass',
    AWS_IOT_THING_NAME: 'kiosk-7',
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(readFileSync(join(s.work, 'agent-config.json'), 'utf8'), `${config}\n`);
  t.ok(lstatSync(join(s.work, 'model-mirror', 'person-yolox-192')).isSymbolicLink());
  t.equal(readlinkSync(join(s.work, 'model-mirror', 'person-yolox-192')), s.models);
  t.equal(readFileSync(join(s.work, 'models', 'person-yolox-192', 'manifest.json'), 'utf8'), '{"id":"person-yolox-192"}\n');
  const started = JSON.parse(readFileSync(s.record, 'utf8')) as Record<string, string>;
  t.same(started, {
    argv: `--optimize-for-size ${join(s.artifact, 'bin', 'edge-agent.js')} run --config ${join(s.work, 'agent-config.json')} --data-dir ${s.work}`,
    thing: 'kiosk-7',
    device: 'kiosk-7',
    mirror: join(s.work, 'model-mirror'),
    dir: join(s.work, 'models'),
    transport: 'greengrass',
    leftover: '',
  });

  // A second start (a restart, or a new model component version) replaces links and files.
  const r2 = runSh(s, { GG_EDGE_AGENT_CONFIG: '{}', GG_EDGE_AGENT_WORK_DIR: s.work, GG_EDGE_AGENT_MODEL_DIRS: s.models });
  t.equal(r2.status, 0, r2.stderr);
  t.equal(readFileSync(join(s.work, 'agent-config.json'), 'utf8'), '{}\n');
});

t.test('refuses to start without the runtime component, saying what sets it', async (t) => {
  const s = setup(t);
  const r = runSh(s, { GG_EDGE_AGENT_WORK_DIR: s.work }, '');
  t.equal(r.status, 78);
  t.match(r.stderr, /expected the runtime component's node .* GG_EDGE_AGENT_RUNTIME_DIR is ""; deploy the agent through its recipe/);
  t.notOk(existsSync(s.record), 'node was not started');
});

t.test('refuses a system below the runtime glibc floor before node starts', async (t) => {
  const s = setup(t);
  mkdirSync(s.work, { recursive: true });
  const r = runSh(s, { GG_EDGE_AGENT_WORK_DIR: s.work, EDGE_AGENT_GLIBC_VERSION: '2.31' });
  t.equal(r.status, 78);
  t.match(r.stderr, /glibc 2\.31 is older than 2\.\d+, .*Raspberry Pi OS Bullseye \(11\), Ubuntu 20\.04 and JetPack 5 have 2\.31: upgrade/);
  t.notOk(existsSync(s.record), 'node was not started');
});

t.test('refuses to start outside the recipe', async (t) => {
  const s = setup(t);
  const r = runSh(s, {});
  t.equal(r.status, 78);
  t.match(r.stderr, /GG_EDGE_AGENT_WORK_DIR is not set/);
});

t.test('refuses a model folder without a manifest', async (t) => {
  const s = setup(t);
  const r = runSh(s, { GG_EDGE_AGENT_WORK_DIR: s.work, GG_EDGE_AGENT_MODEL_DIRS: join(s.models, '..', 'nothing-here') });
  t.equal(r.status, 78);
  t.match(r.stderr, /expected a model manifest at .*nothing-here\/manifest\.json/);
});
