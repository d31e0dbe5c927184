import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { AGENT_ALLOWED, disallowed, runtimeAllowed } from '../../greengrass/build/artifact-contents.js';
import { buildGreengrass, fileDigest, greengrassDir, type GreengrassBuildOptions } from '../../greengrass/build/build.js';
import type { Recipe } from '../../greengrass/build/recipes.js';
import { repoRoot, sharedImage, sharedModels } from '../helpers/shared.js';

// A machine without the cached production node_modules runs `npm ci` for them first (minutes).
t.setTimeout(15 * 60_000);

// One x64 build for the whole file (production node_modules come from greengrass/.cache, so
// only the first run on a machine pays for `npm ci`).
const outDir = t.testdir();
const buildOptions: GreengrassBuildOptions = {
  arches: ['x64'],
  outDir,
  cacheDir: join(greengrassDir, '.cache'),
  modelMirror: sharedModels,
  models: ['person-yolox-192'],
  componentName: 'com.example.EdgeAgent',
  version: '0.0.1',
  publisher: 'Test',
  bucket: 'test-bucket',
};
const built = await buildGreengrass(buildOptions);
const runtimeName = 'com.example.EdgeAgent.Runtime';

const schema = JSON.parse(readFileSync(join(repoRoot, 'greengrass', 'schema', 'recipe.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

function entries(zip: string): Set<string> {
  const r = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`unzip -Z1 ${zip}: ${r.stderr}`);
  return new Set(r.stdout.split('\n').filter((l) => l !== ''));
}

// Greengrass unpacks <name>.zip into {artifacts:decompressedPath}/<name>/.
const zipByComponentAndFolder = new Map(built.artifacts.map((a) => [`${a.component}/${a.unpackedName}`, a.file]));
const agent = built.recipes['com.example.EdgeAgent']?.recipe as Recipe;
const model = built.recipes['com.example.EdgeAgent.Model.person-yolox-192']?.recipe as Recipe;

t.test('every built recipe validates against the recipe schema', async (t) => {
  t.same(Object.keys(built.recipes).sort(), ['com.example.EdgeAgent', 'com.example.EdgeAgent.Model.person-yolox-192', runtimeName]);
  for (const [name, { recipe }] of Object.entries(built.recipes)) {
    t.ok(validate(recipe), `${name}: ${JSON.stringify(validate.errors)}`);
  }
  t.same(
    agent.Manifests.map((m) => (m['Platform'] as { architecture: string }).architecture),
    ['amd64'],
    'an x64 build describes only amd64',
  );
});

t.test('every Lifecycle command refers to a file in the built artifact', async (t) => {
  let checked = 0;
  for (const [name, { recipe }] of Object.entries(built.recipes)) {
    for (const manifest of recipe.Manifests) {
      const lifecycle = (manifest['Lifecycle'] ?? {}) as Record<string, unknown>;
      for (const [step, value] of Object.entries(lifecycle)) {
        if (step === 'Setenv') continue;
        const script = typeof value === 'string' ? value : (value as { Script: string }).Script;
        const refs = [...script.matchAll(/\{artifacts:decompressedPath\}\/([^/\s]+)\/(\S+)/g)];
        t.ok(refs.length > 0, `${name} ${step} runs something from its artifact: ${script}`);
        for (const [, folder, path] of refs) {
          const zip = zipByComponentAndFolder.get(`${name}/${folder}`);
          t.ok(zip, `${name} ${step}: an artifact unpacks to ${folder}/`);
          if (zip !== undefined) t.ok(entries(zip).has(path as string), `${name} ${step}: ${folder}/${path} is in ${zip}`);
          checked++;
        }
      }
    }
  }
  t.ok(checked > 0, 'at least one lifecycle command was checked');

  // run.sh in turn runs files of the same artifact.
  const zip = zipByComponentAndFolder.get('com.example.EdgeAgent/edge-agent') as string;
  const runSh = readFileSync(join(greengrassDir, 'run.sh'), 'utf8');
  const inside = [...runSh.matchAll(/"\$artifact\/([^"]+)"/g)].map((m) => m[1] as string);
  t.same(inside.sort(), ['bin/edge-agent.js']);
  const files = entries(zip);
  for (const path of inside) t.ok(files.has(path), `run.sh needs ${path}`);
  // And files of the runtime component.
  const fromRuntime = [...runSh.matchAll(/"\$runtime\/([^"]+)"/g)].map((m) => m[1] as string);
  t.same([...new Set(fromRuntime)].sort(), ['bin/node', 'check-system.sh']);
  const runtimeFiles = entries(zipByComponentAndFolder.get(`${runtimeName}/edge-agent-runtime-linux-x64`) as string);
  for (const path of fromRuntime) t.ok(runtimeFiles.has(path), `run.sh needs the runtime's ${path}`);
});

t.test('model folders named in Setenv are in the model component artifacts', async (t) => {
  for (const manifest of agent.Manifests) {
    const dirs = ((manifest['Lifecycle'] as { Setenv: Record<string, string> }).Setenv['GG_EDGE_AGENT_MODEL_DIRS'] ?? '').split(' ');
    t.equal(dirs.length, 1);
    for (const dir of dirs) {
      const m = /^\{([^:}]+):artifacts:decompressedPath\}\/(.+)$/.exec(dir);
      t.ok(m, dir);
      const zip = zipByComponentAndFolder.get(`${m?.[1]}/${m?.[2]}`);
      t.ok(zip, `the component ${m?.[1]} has a zip that unpacks to ${m?.[2]}/`);
      if (zip !== undefined) t.same([...entries(zip)].sort(), ['manifest.json', 'model.onnx']);
    }
  }
});

t.test('artifact digests are the SHA-256 of the zips', async (t) => {
  for (const [name, { recipe }] of Object.entries(built.recipes)) {
    for (const manifest of recipe.Manifests) {
      for (const a of manifest['Artifacts'] as Array<{ Uri: string; Digest: string; Algorithm: string }>) {
        const file = built.artifacts.find((b) => b.component === name && a.Uri.endsWith(`/${b.file.split('/').pop()}`))?.file;
        t.ok(file, `${a.Uri} was built`);
        if (file !== undefined) t.equal(a.Digest, await fileDigest(file), `${name}: digest of ${a.Uri}`);
        t.equal(a.Algorithm, 'SHA-256');
        t.match(a.Uri, /^s3:\/\/test-bucket\//);
      }
    }
  }
  t.equal(model['ComponentVersion'], (JSON.parse(readFileSync(join(repoRoot, 'models', 'person-yolox-192', 'manifest.json'), 'utf8')) as { version: string }).version, 'model component version is the manifest version');
});

t.test('the agent zip holds the bundle and its data files, the runtime zip node and the x64 native modules, nothing else', async (t) => {
  const agentFiles = [...entries(zipByComponentAndFolder.get('com.example.EdgeAgent/edge-agent') as string)];
  for (const f of ['bin/edge-agent.js', 'package.json', 'greengrass/run.sh', 'dist/agent/cli/main.js', 'dist/agent/models/manifest.schema.json', 'dist/agent/publish/schemas/result-message.schema.json', 'dist/models/person-yolox-192/manifest.json', 'dist/device-profiles/raspberry-pi-4.yaml']) {
    t.ok(agentFiles.includes(f), f);
  }
  t.same(disallowed(agentFiles, AGENT_ALLOWED), [], 'every agent file is allow-listed');
  t.same(agentFiles.filter((f) => f.includes('node_modules/')), [], 'no node_modules in the agent');
  t.ok(agentFiles.length < 60, `a few files: ${agentFiles.length}`);

  const runtimeFiles = [...entries(zipByComponentAndFolder.get(`${runtimeName}/edge-agent-runtime-linux-x64`) as string)];
  for (const f of ['bin/node', 'check-system.sh', 'lib/node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'lib/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', 'lib/node_modules/aws-crt/dist/bin/linux-x64-glibc/aws-crt-nodejs.node']) {
    t.ok(runtimeFiles.includes(f), f);
  }
  t.same(disallowed(runtimeFiles, runtimeAllowed('x64')), [], 'every runtime file is allow-listed');
  t.same(runtimeFiles.filter((f) => /\.(d\.ts|map|ts)$/.test(f) || (/\.md$/.test(f) && !/\/LICEN[CS]E[^/]*$/.test(f)) || /(^|\/)(tsx|esbuild|typescript|test|tests)\//.test(f)), [], 'no sources, maps, declarations, docs, tests or build tools');
  t.same(runtimeFiles.filter((f) => /node_modules\/.+\/node_modules\//.test(f)), [], 'no nested (duplicate) packages');
  t.same([...agentFiles, ...runtimeFiles].filter((f) => f.endsWith('.onnx')), [], 'no model weights outside the model component');
  t.same(runtimeFiles.filter((f) => /linux\/arm64\/|linux-arm64/.test(f)), [], 'no arm64 binaries in the x64 runtime');
});

t.test('two builds of the same commit give byte-identical zips and recipes', async (t) => {
  const again = await buildGreengrass({ ...buildOptions, outDir: t.testdir() });
  t.equal(again.artifacts.length, built.artifacts.length);
  for (const a of built.artifacts) {
    const b = again.artifacts.find((x) => x.component === a.component && x.unpackedName === a.unpackedName);
    t.ok(b, `${a.component}/${a.unpackedName} built twice`);
    if (b !== undefined) t.equal(await fileDigest(b.file, 'hex'), await fileDigest(a.file, 'hex'), `${a.component}/${a.unpackedName}.zip is byte-identical`);
  }
  for (const [name, r] of Object.entries(built.recipes)) t.equal(readFileSync(again.recipes[name]?.file ?? '', 'utf8'), readFileSync(r.file, 'utf8'), `${name} recipe is identical`);
});

t.test('the unpacked agent runs `edge-agent infer` on the unpacked runtime\'s node', async (t) => {
  const dir = t.testdir();
  const runtime = join(dir, 'runtime');
  t.equal(spawnSync('unzip', ['-q', zipByComponentAndFolder.get('com.example.EdgeAgent/edge-agent') as string, '-d', dir]).status, 0);
  t.equal(spawnSync('unzip', ['-q', zipByComponentAndFolder.get(`${runtimeName}/edge-agent-runtime-linux-x64`) as string, '-d', runtime]).status, 0);
  const version = spawnSync(join(runtime, 'bin', 'node'), ['-p', 'process.version'], { encoding: 'utf8' });
  t.match(version.stdout.trim(), /^v26\./, 'the runtime ships Node.js 26 (Active LTS)');
  const r = spawnSync(join(runtime, 'bin', 'node'), [join(dir, 'bin', 'edge-agent.js'), 'infer', '--model', 'person-yolox-192', '--from', sharedModels, '--data-dir', join(dir, 'data'), sharedImage('hopper.jpg')], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  t.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim()) as { detections: Array<{ label: string }> };
  t.same(
    result.detections.map((d) => d.label),
    ['person'],
    'one person in hopper.jpg',
  );
});

// doctor loaded the native modules with import(variable), which the bundle's rewrite to the
// runtime component's lib/node_modules never saw: from the artifact it reported them missing.
t.test('`edge-agent doctor` from the unpacked agent and runtime finds the native modules', async (t) => {
  const dir = t.testdir();
  const runtime = join(dir, 'runtime');
  t.equal(spawnSync('unzip', ['-q', zipByComponentAndFolder.get('com.example.EdgeAgent/edge-agent') as string, '-d', dir]).status, 0);
  t.equal(spawnSync('unzip', ['-q', zipByComponentAndFolder.get(`${runtimeName}/edge-agent-runtime-linux-x64`) as string, '-d', runtime]).status, 0);
  const r = spawnSync(join(runtime, 'bin', 'node'), [join(dir, 'bin', 'edge-agent.js'), 'doctor', '--json', '--from', sharedModels, '--data-dir', join(dir, 'data')], {
    encoding: 'utf8',
    // No NODE_PATH and no node_modules anywhere above the unpacked folders: only the runtime's own.
    env: { PATH: process.env['PATH'] ?? '', HOME: dir },
  });
  const report = JSON.parse(r.stdout) as { checks: Array<{ name: string; status: string; detail: string }> };
  const byName = new Map(report.checks.map((c) => [c.name, c]));
  for (const name of ['onnxruntime-node', 'sharp', 'better-sqlite3']) {
    t.equal(byName.get(name)?.status, 'ok', `${name}: ${byName.get(name)?.detail ?? 'not checked'}`);
    t.match(byName.get(name)?.detail, /^loads \(/, `${name} loads from the runtime component`);
  }
});

// The component as the nucleus starts it: run.sh from the unpacked artifact, the environment
// Greengrass sets, the model component unpacked beside it, and the IPC test double as nucleus.
// The start-up file (from {configuration:/agent}) names camera `door`; the double's component
// configuration names camera `lobby`, so a result from `lobby` shows the agent read its
// configuration over IPC and applied it live.
t.test('the unpacked component starts under a nucleus double, follows its configuration and publishes through it', async (t) => {
  const { startNucleusDouble } = await import('../publish/helpers/nucleus-double.js');
  const dir = mkdtempSync(join(tmpdir(), 'gg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const artifactDir = join(dir, 'artifacts');
  mkdirSync(artifactDir);
  mkdirSync(join(dir, 'model-component'));
  const unzipped = spawnSync('unzip', ['-q', zipByComponentAndFolder.get('com.example.EdgeAgent/edge-agent') as string, '-d', join(artifactDir, 'edge-agent')], { encoding: 'utf8' });
  t.equal(unzipped.status, 0, unzipped.stderr);
  const runtimeDir = join(dir, 'runtime-component', 'edge-agent-runtime-linux-x64');
  mkdirSync(join(dir, 'runtime-component'));
  t.equal(spawnSync('unzip', ['-q', zipByComponentAndFolder.get(`${runtimeName}/edge-agent-runtime-linux-x64`) as string, '-d', runtimeDir]).status, 0);
  const modelDir = join(dir, 'model-component', 'person-yolox-192');
  t.equal(spawnSync('unzip', ['-q', zipByComponentAndFolder.get('com.example.EdgeAgent.Model.person-yolox-192/person-yolox-192') as string, '-d', modelDir]).status, 0);
  const nucleus = await startNucleusDouble(join(dir, 'ipc.socket'), 'svcuid-test-token');
  t.teardown(() => nucleus.stop());
  const work = join(dir, 'work');
  mkdirSync(work);
  const camera = (name: string) => ({ name, source: { type: 'files', path: sharedImage('hopper.jpg') }, models: [{ id: 'person-yolox-192' }] });
  const config = { cameras: [camera('door')], health: { port: 0 } };
  nucleus.configuration = { agent: { ...config, cameras: [camera('lobby')] } };
  const child = spawn('sh', [join(artifactDir, 'edge-agent', 'greengrass', 'run.sh')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      GG_EDGE_AGENT_CONFIG: JSON.stringify(config),
      GG_EDGE_AGENT_WORK_DIR: work,
      GG_EDGE_AGENT_MODEL_DIRS: modelDir,
      GG_EDGE_AGENT_RUNTIME_DIR: runtimeDir,
      EDGE_AGENT_PUBLISH__TRANSPORT: 'greengrass',
      AWS_IOT_THING_NAME: 'kiosk-7',
      AWS_REGION: 'eu-west-1',
      SVCUID: 'svcuid-test-token',
      AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT: nucleus.socketPath,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const fromLobby = () => nucleus.published.find((p) => p.topicName.includes('/results/') && (JSON.parse(p.payload) as { frame?: { source?: string } }).frame?.source === 'lobby');
  const deadline = Date.now() + 60_000;
  while (fromLobby() === undefined && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.same(nucleus.configurationReads[0], ['agent'], 'read its configuration through the nucleus');
  t.same(nucleus.subscriptions(), { configuration: 1, validate: 1, componentUpdates: 1 }, 'and follows it');
  const lobby = fromLobby();
  t.ok(lobby, `a result of the IPC configuration's camera was published through the nucleus; agent stderr:\n${stderr.slice(-2000)}`);
  t.equal(lobby?.topicName, 'edge-agent/kiosk-7/results/person-yolox-192');
  t.match(JSON.parse(lobby?.payload ?? '{}'), { detections: [{ label: 'person' }] });
  child.kill('SIGTERM');
  const code = await exited;
  t.equal(code, 0, `stops cleanly on SIGTERM, as the nucleus stops components; agent stderr:\n${stderr.slice(-1500)}`);
});
