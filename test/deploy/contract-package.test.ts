import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { SqliteOutbox } from '../../agent/outbox/index.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { resultEntry } from '../../agent/publish/result-entry.js';
import { repoRoot, sharedImage, sharedModels } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';

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

/**
 * A real counts message: person-yolox-192 infers hopper.jpg in three frames a second apart under
 * `report.policy: counts`, the policy is closed (the partial last interval), and the record goes
 * through a real outbox, which adds seq and streamSeq; returns the stored payload.
 */
async function realCountsMessage(dir: string): Promise<object> {
  const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'contract-test', logger: silentLogger(), intraOpThreads: 1 });
  await pool.load(['person-yolox-192']);
  const outbox = SqliteOutbox.open({ path: join(dir, 'outbox.sqlite'), logger: silentLogger() });
  try {
    const runner = pool.get('person-yolox-192');
    const policy = new ReportPolicy({ policy: 'counts', intervalSeconds: 60, heartbeatSeconds: 60, minScore: 0, scene: { zones: [{ name: 'floor', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], labels: undefined, minDwellMs: 0 }], lines: [] } });
    const t0 = Date.parse('2024-05-01T10:00:10Z');
    policy.recovered(t0);
    const image = { kind: 'encoded' as const, data: readFileSync(sharedImage('hopper.jpg')) };
    for (let f = 0; f < 3; f++) policy.apply(await runner.infer({ source: 'door', seq: f, capturedAt: new Date(t0 + f * 1000), image }, 0.3), t0 + f * 1000);
    policy.close(t0 + 3000);
    for (const c of policy.dueCounts(t0 + 3000)) outbox.enqueue(resultEntry(c, 'edge-agent/contract-test/results/person-yolox-192'));
    const row = outbox.nextPending(10)[0];
    if (row === undefined) throw new Error('the counts policy kept nothing');
    return JSON.parse(row.payload) as object;
  } finally {
    outbox.close();
    await pool.close();
  }
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
  const pkgDir = join(project, 'node_modules', 'edge-agent-contract');
  const declarations = readdirSync(pkgDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
  t.ok(declarations.includes(join('types', 'deploy', 'contract', 'index.d.ts')), `declarations shipped (${declarations.length} files)`);
  t.same(declarations.filter((f) => readFileSync(join(pkgDir, f), 'utf8').includes('better-sqlite3')), [], 'no shipped .d.ts names better-sqlite3 (a consumer without it type-checks)');
  const indexTypes = readFileSync(join(pkgDir, 'types', 'deploy', 'contract', 'index.d.ts'), 'utf8');
  for (const name of ['EventMessage', 'CountsMessage', 'CountRecord', 'DropMessage']) t.match(indexTypes, new RegExp(`\\b${name}\\b`), `${name} is exported`);

  // A real message: the agent's own result for hopper.jpg (a result message is the record plus seq).
  const infer = spawnSync(process.execPath, [join(repoRoot, 'bin', 'edge-agent.js'), 'infer', '--model', 'person-yolox-192', '--from', sharedModels, '--data-dir', join(packDir, 'data'), sharedImage('hopper.jpg')], { encoding: 'utf8' });
  t.equal(infer.status, 0, infer.stderr);
  const message = { ...(JSON.parse(infer.stdout.trim()) as object), seq: 1 };
  writeFileSync(join(project, 'message.json'), JSON.stringify(message));
  const counts = await realCountsMessage(join(packDir, 'counts'));
  writeFileSync(join(project, 'counts.json'), JSON.stringify(counts));
  writeFileSync(
    join(project, 'check.mjs'),
    `import { readFileSync } from 'node:fs';
import { validateMessage, startSubscriber, MESSAGE_SCHEMA_VERSION } from 'edge-agent-contract';
const message = JSON.parse(readFileSync('message.json', 'utf8'));
const good = validateMessage(message);
const bad = validateMessage({ ...message, detections: 'none' });
const status = validateMessage({ schemaVersion: 1, kind: 'status', state: 'sideways' });
const counts = JSON.parse(readFileSync('counts.json', 'utf8'));
const countsGood = validateMessage(counts);
const countsBad = validateMessage({ ...counts, labels: [{ label: 'person', tracks: -1, maxAtOnce: 1 }] });
const countsBatch = validateMessage({ schemaVersion: 1, kind: 'batch', results: [message, counts] });
const schema = JSON.parse(readFileSync(new URL(import.meta.resolve('edge-agent-contract/schemas/result-message.schema.json')), 'utf8'));
console.log(JSON.stringify({ good, bad, status, counts, countsGood, countsBad, countsBatch, subscriber: typeof startSubscriber, version: MESSAGE_SCHEMA_VERSION, schemaId: schema.$id }));
`,
  );
  const run = spawnSync(process.execPath, ['check.mjs'], { cwd: project, encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  type Outcome = { valid: boolean; errors: string[]; kind: string };
  const out = JSON.parse(run.stdout) as { good: Outcome; bad: Outcome; status: Outcome; counts: { kind: string; partial: boolean; labels: { label: string; tracks: number }[]; seq: number }; countsGood: Outcome; countsBad: Outcome; countsBatch: Outcome; subscriber: string; version: number; schemaId: string };
  t.same(out.good, { valid: true, errors: [], kind: 'result' }, 'the agent result is valid');
  t.equal(out.bad.valid, false);
  t.match(out.bad.errors.join('\n'), /\/detections/, 'names the wrong field');
  t.equal(out.status.valid, false, 'a status message with an unknown state is refused');
  t.match(out.counts, { kind: 'counts', partial: true, seq: 1, labels: [{ label: 'person', tracks: 1 }] }, 'the agent counted the person in hopper.jpg');
  t.same(out.countsGood, { valid: true, errors: [], kind: 'counts' }, 'the agent counts message is valid');
  t.equal(out.countsBad.valid, false);
  t.match(out.countsBad.errors.join('\n'), /\/labels\/0\/tracks/, 'names the wrong count');
  t.same(out.countsBatch, { valid: true, errors: [], kind: 'batch' }, 'a batch may carry counts beside results');
  t.equal(out.subscriber, 'function', 'the checking subscriber is exported');
  t.equal(out.version, 1);
  t.match(out.schemaId, /result-message/);
});
