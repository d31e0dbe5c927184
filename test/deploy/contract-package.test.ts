import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedImage, sharedModels } from '../helpers/shared.js';

// `npm run pack:contract`, then the package as a cloud consumer gets it: installed from the
// tarball into an empty project (offline: mqtt comes from the npm cache), imported by name.
t.setTimeout(10 * 60_000);

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * A lockfile for a consumer of the tarball: the tarball itself and mqtt's dependency tree copied
 * from this repository's lockfile, so `npm ci --offline` takes every package from the npm cache
 * (which holds the tarballs `npm ci` fetched here, but not the registry's package documents that
 * `npm install` without a lockfile would ask for).
 */
function consumerLock(tarball: string, tarballName: string): object {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const picked: Record<string, LockEntry> = {};
  const locate = (from: string, dep: string): string | undefined => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const key = `${dir === '' ? '' : `${dir}/`}node_modules/${dep}`;
      if (lock.packages[key] !== undefined) return key;
      if (dir === '') return undefined;
    }
  };
  const visit = (key: string): void => {
    if (picked[key] !== undefined) return;
    const entry = lock.packages[key] as LockEntry;
    picked[key] = entry;
    for (const dep of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]) {
      const found = locate(key, dep);
      if (found !== undefined) visit(found);
    }
  };
  visit('node_modules/mqtt');
  const pkg = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout) as { version: string; dependencies: Record<string, string> };
  return {
    name: 'consumer',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'consumer', version: '1.0.0', dependencies: { 'edge-agent-contract': `file:../${tarballName}` } },
      'node_modules/edge-agent-contract': { version: pkg.version, resolved: `file:../${tarballName}`, integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`, dependencies: pkg.dependencies },
      ...Object.fromEntries(Object.entries(picked).map(([k, v]) => [k, { ...v, dev: undefined }])),
    },
  };
}

const packDir = t.testdir();
const pack = spawnSync('npm', ['run', '--silent', 'pack:contract', '--', '--pack-destination', packDir], { cwd: repoRoot, encoding: 'utf8' });
const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));

t.test('pack:contract writes one tarball into --pack-destination', async (t) => {
  t.equal(pack.status, 0, pack.stderr);
  t.same(tarballs, ['edge-agent-contract-0.1.0.tgz']);
});

t.test('installed into a fresh project, it validates a real agent message and brings no native module', async (t) => {
  const project = join(packDir, 'consumer');
  spawnSync('mkdir', ['-p', project]);
  const name = tarballs[0] ?? 'missing.tgz';
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { 'edge-agent-contract': `file:../${name}` } })}\n`);
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock(join(packDir, name), name), null, 2));
  const install = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project, encoding: 'utf8' });
  t.equal(install.status, 0, install.stderr);
  t.notMatch(install.stderr, /npm warn/i, 'no warnings');

  const modules = readdirSync(join(project, 'node_modules'), { recursive: true, encoding: 'utf8' });
  t.same(modules.filter((f) => f.endsWith('.node')), [], 'no .node file under node_modules');
  for (const pkg of ['onnxruntime-node', 'sharp', 'better-sqlite3', 'aws-crt', 'aws-iot-device-sdk-v2', 'ajv']) t.notOk(modules.includes(pkg), `${pkg} is not installed`);
  t.ok(modules.includes('mqtt'), 'mqtt, its one dependency, is');

  // A real message: the agent's own result for hopper.jpg (a result message is the record plus seq).
  const infer = spawnSync(process.execPath, [join(repoRoot, 'bin', 'edge-agent.js'), 'infer', '--model', 'person-yolox-192', '--from', sharedModels, '--data-dir', join(packDir, 'data'), sharedImage('hopper.jpg')], { encoding: 'utf8' });
  t.equal(infer.status, 0, infer.stderr);
  const message = { ...(JSON.parse(infer.stdout.trim()) as object), seq: 1 };
  writeFileSync(join(project, 'message.json'), JSON.stringify(message));
  writeFileSync(
    join(project, 'check.mjs'),
    `import { readFileSync } from 'node:fs';
import { validateMessage, startSubscriber, MESSAGE_SCHEMA_VERSION } from 'edge-agent-contract';
const message = JSON.parse(readFileSync('message.json', 'utf8'));
const good = validateMessage(message);
const bad = validateMessage({ ...message, detections: 'none' });
const status = validateMessage({ schemaVersion: 1, kind: 'status', state: 'sideways' });
const schema = JSON.parse(readFileSync(new URL(import.meta.resolve('edge-agent-contract/schemas/result-message.schema.json')), 'utf8'));
console.log(JSON.stringify({ good, bad, status, subscriber: typeof startSubscriber, version: MESSAGE_SCHEMA_VERSION, schemaId: schema.$id }));
`,
  );
  const run = spawnSync(process.execPath, ['check.mjs'], { cwd: project, encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { good: { valid: boolean; errors: string[]; kind: string }; bad: { valid: boolean; errors: string[] }; status: { valid: boolean; errors: string[] }; subscriber: string; version: number; schemaId: string };
  t.same(out.good, { valid: true, errors: [], kind: 'result' }, 'the agent result is valid');
  t.equal(out.bad.valid, false);
  t.match(out.bad.errors.join('\n'), /\/detections/, 'names the wrong field');
  t.equal(out.status.valid, false, 'a status message with an unknown state is refused');
  t.equal(out.subscriber, 'function', 'the checking subscriber is exported');
  t.equal(out.version, 1);
  t.match(out.schemaId, /result-message/);
});
