/**
 * Fuzz: mutated YAML configurations and EDGE_AGENT_* environments, each carrying a password,
 * through the loader and the resolver, then a few through `run --config` (short runs).
 */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../agent/config/load-config.js';
import { resolveConfig } from '../../agent/runtime/resolve.js';
import { sharedImages, sharedModels } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';
import { badCliOutput, badError, documentedCodes, FUZZ_SECRET, fuzzRng, hostileValues, mutateBytes, type Rng, Tally } from './helpers/fuzz.js';

const YAML_INPUTS = 300;
const ENV_INPUTS = 150;
const CLI_RUNS = 4;
const codes = documentedCodes();

function baseConfig(dir: string): Record<string, unknown> {
  return {
    deviceId: 'fuzz-device',
    dataDir: join(dir, 'data'),
    logLevel: 'warn',
    models: { mirror: sharedModels },
    health: { enabled: false },
    publish: { transport: 'mqtt', brokerUrl: `mqtt://fuzz:${FUZZ_SECRET}@127.0.0.1:1`, username: 'fuzz', password: FUZZ_SECRET, topics: { results: 'edge-agent/{thingName}/results/{modelId}' }, keepaliveSeconds: 30 },
    cameras: [{ name: 'lobby', source: { type: 'files', path: sharedImages, fps: 8, loop: false }, models: [{ id: 'person-yolox-192', threshold: 0.5 }] }],
  };
}

/** Every object key path in `value`, e.g. ['publish', 'topics', 'results']. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** A structurally mutated copy: values replaced by hostile ones, keys deleted or misspelled. */
function mutateDocument(rng: Rng, doc: Record<string, unknown>): unknown {
  const copy = structuredClone(doc);
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const all = paths(copy).filter((p) => p.length > 0);
    const path = rng.pick(all);
    let parent: Record<string | number, unknown> = copy;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = path[path.length - 1] as string | number;
    if (parent === null || typeof parent !== 'object') continue;
    const op = rng.int(4);
    if (op === 0) delete parent[key];
    else if (op === 1) parent[`${String(key)}x`] = rng.pick(hostileValues);
    else parent[key] = rng.pick(hostileValues);
  }
  return copy;
}

function loadOutcome(options: Parameters<typeof loadConfig>[0]): string {
  try {
    const loaded = loadConfig(options);
    resolveConfig(loaded.config);
    return 'ok';
  } catch (err) {
    return badError(err, codes) ?? 'refused';
  }
}

t.test('mutated YAML configurations: loaded, or refused with a documented code and no secret', async (t) => {
  const rng = fuzzRng(t, 'config');
  const dir = t.testdir();
  const tally = new Tally('configurations');
  const base = baseConfig(dir);
  for (let i = 0; i < YAML_INPUTS; i++) {
    const file = join(dir, `c${i}.yaml`);
    // Two kinds: structural (hostile values in valid YAML) and textual (broken YAML bytes).
    const text = i % 3 === 2 ? mutateBytes(rng, Buffer.from(stringify(base))) : Buffer.from(stringify(mutateDocument(rng, base)));
    writeFileSync(file, text);
    tally.add(`config ${i}`, loadOutcome({ file, env: {}, hostname: 'fuzz-host' }));
  }
  tally.report(t);
});

t.test('mutated EDGE_AGENT_* environments: loaded, or refused with a documented code and no secret', async (t) => {
  const rng = fuzzRng(t, 'environment');
  const dir = t.testdir();
  const file = join(dir, 'base.yaml');
  writeFileSync(file, stringify(baseConfig(dir)));
  const names = ['EDGE_AGENT_LOG_LEVEL', 'EDGE_AGENT_DATA_DIR', 'EDGE_AGENT_PROFILE', 'EDGE_AGENT_DEVICE_ID', 'EDGE_AGENT_PUBLISH__PASSWORD', 'EDGE_AGENT_PUBLISH__BROKER_URL', 'EDGE_AGENT_PUBLISH__KEEPALIVE_SECONDS', 'EDGE_AGENT_PUBLISH__HEARTBEAT_SECONDS', 'EDGE_AGENT_INFERENCE__INTRA_OP_THREADS', 'EDGE_AGENT_HEALTH__PORT', 'EDGE_AGENT_MODELS__MIRROR', 'EDGE_AGENT_CONFIG', 'EDGE_AGENT_', 'EDGE_AGENT_X__', 'EDGE_AGENT_CAMERAS'];
  const tally = new Tally('environments');
  for (let i = 0; i < ENV_INPUTS; i++) {
    const env: Record<string, string> = {};
    for (let k = 0; k < 1 + rng.int(3); k++) {
      const value = rng.pick(hostileValues);
      env[rng.pick(names)] = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
    }
    tally.add(`environment ${i} ${JSON.stringify(Object.keys(env))}`, loadOutcome({ file, env, hostname: 'fuzz-host' }));
  }
  tally.report(t);
});

t.test('mutated configurations through `run --config` (short runs): no crash, hang, stack or secret', async (t) => {
  const rng = fuzzRng(t, 'config via run');
  const tally = new Tally('configurations (run)');
  for (let i = 0; i < CLI_RUNS; i++) {
    const dir = t.testdir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'agent.yaml');
    // The first run keeps the document valid: a real start that fails to connect and logs it.
    writeFileSync(file, stringify(i === 0 ? baseConfig(dir) : mutateDocument(rng, baseConfig(dir))));
    const r = await runCli(['run', '--config', file, '--exit-when-done', '--no-status', '--log-level', 'info'], { EDGE_AGENT_PUBLISH__PASSWORD: FUZZ_SECRET }, 90_000);
    tally.add(`run ${i} (exit ${r.code})`, badCliOutput(r, codes) ?? (r.code === 0 ? 'ok' : 'refused'));
  }
  tally.report(t);
});
