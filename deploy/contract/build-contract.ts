/**
 * `npm run pack:contract -- --pack-destination DIR`: builds the `edge-agent-contract` package
 * (deploy/contract/index.ts) into a staging folder and runs `npm pack` there.
 *
 * - dist/index.js: esbuild bundle with ajv inside and mqtt outside (the package's one dependency).
 * - agent/publish/schemas/*.schema.json: the JSON Schemas, where the validator looks for them
 *   (the bundle keeps each module's own URL, deploy/build/bundle-agent.ts) and exported as
 *   `edge-agent-contract/schemas/<name>.schema.json`.
 * - types/: declarations emitted by tsc from the same sources.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { mirroredImportMetaUrl } from '../build/bundle-agent.js';

/** The repository root (this file is deploy/contract/build-contract.ts). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The package's name. */
export const CONTRACT_PACKAGE = 'edge-agent-contract';

/**
 * The oldest Node.js the contract package runs on. Lower than the agent's own floor: cloud
 * consumers (Lambda, a subscriber service) pick their Node.js for their own reasons, and the
 * contract is plain JavaScript with mqtt as its one dependency.
 */
const CONTRACT_NODE_FLOOR = '20.9';

/** Builds the package into `stage` (deleted first); returns its package.json. */
export async function buildContract(stage: string, root: string = repoRoot): Promise<Record<string, unknown>> {
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const agentPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string> };
  const chunkDir = join(stage, 'dist');
  await build({
    absWorkingDir: root,
    entryPoints: { index: join(root, 'deploy', 'contract', 'index.ts') },
    outdir: chunkDir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: `node${CONTRACT_NODE_FLOOR}`,
    external: ['mqtt'],
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
    plugins: [mirroredImportMetaUrl(root, stage, chunkDir)],
  });
  const schemas = join(root, 'agent', 'publish', 'schemas');
  for (const f of readdirSync(schemas)) cpSync(join(schemas, f), join(stage, 'agent', 'publish', 'schemas', f));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const types = spawnSync(process.execPath, [tsc, '-p', join(root, 'deploy', 'contract', 'tsconfig.json'), '--outDir', join(stage, 'types')], { cwd: root, encoding: 'utf8' });
  if (types.status !== 0) throw new Error(`tsc (declarations of the contract) failed:\n${types.stdout}${types.stderr}`);
  const pkg = {
    name: CONTRACT_PACKAGE,
    version: agentPkg.version,
    description: 'The edge agent message contract for cloud consumers: types, JSON Schemas, validateMessage and a checking MQTT subscriber.',
    license: agentPkg.license,
    type: 'module',
    engines: { node: `>=${CONTRACT_NODE_FLOOR}` },
    exports: {
      '.': { types: './types/deploy/contract/index.d.ts', default: './dist/index.js' },
      './schemas/*': './agent/publish/schemas/*',
      './package.json': './package.json',
    },
    types: './types/deploy/contract/index.d.ts',
    dependencies: { mqtt: agentPkg.dependencies['mqtt'] },
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(stage, 'README.md'), `# ${CONTRACT_PACKAGE}\n\nThe edge agent's message contract (docs/messages.md of the agent): \`validateMessage(message)\` returns \`{ valid, errors }\` for every message kind; \`startSubscriber\` checks a live topic for schema, duplicates, gaps and order. Its one dependency is mqtt.\n`);
  return pkg;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { 'pack-destination': { type: 'string' } }, strict: true });
  const destination = values['pack-destination'] ?? process.cwd();
  const stage = join(repoRoot, 'node_modules', '.cache', 'edge-agent-contract');
  await buildContract(stage);
  mkdirSync(destination, { recursive: true });
  const r = spawnSync('npm', ['pack', '--pack-destination', destination, '--silent'], { cwd: stage, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack in ${stage} failed: ${r.stderr}`);
  process.stdout.write(`${join(destination, r.stdout.trim().split('\n').pop() ?? '')}\n`);
}
