/**
 * `npm run greengrass:build -- --arch arm64|x64|all [--bucket NAME]`: the Greengrass components,
 * in gdk's layout (greengrass/greengrass-build/recipes/*.json and
 * artifacts/<component>/<version>/*.zip), layered as AWS's own ML components are:
 *
 * - The runtime component (`<name>.Runtime`, one zip per CPU): Node.js for the CPU and the native
 *   modules (runtime-component.ts). Its version is derived from what it holds, so it changes only
 *   when Node.js or a native module does.
 * - The agent component (one zip for every CPU): the agent bundled by esbuild, its data files,
 *   bin/edge-agent.js and run.sh; no node_modules. A code-only release re-ships only this.
 * - One model component per model: `<id>.zip` holding model.onnx and manifest.json, read from a
 *   mirror folder (never from git) and checked against the manifest's sha256 before zipping.
 *
 * Every zip is byte-identical across builds of one commit (deterministic-zip.ts) and checked
 * against its allow-list (artifact-contents.ts) before it is written. The S3 bucket comes from
 * --bucket or gdk-config.json; a placeholder bucket is refused, never written into a recipe.
 */
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleDist } from '../../deploy/build/build-dist.js';
import { AGENT_ALLOWED, disallowed, runtimeAllowed } from './artifact-contents.js';
import { deterministicZip } from './deterministic-zip.js';
import { statedGlibcFloor } from './glibc.js';
import { productionModules, TARGET_ARCHES, type TargetArch } from './native-modules.js';
import { nodeDistribution, RUNTIME_NODE_VERSION } from './node-runtime.js';
import { agentRecipe, modelComponentName, modelRecipe, runtimeComponentName, runtimeRecipe, sameMajorRequirement, type BuiltArtifact, type ModelDependency, type Recipe } from './recipes.js';
import { runtimeVersion, stageRuntime } from './runtime-component.js';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The gdk project folder, greengrass/. */
export const greengrassDir = fileURLToPath(new URL('../', import.meta.url));

/** Everything a build needs; the command line fills it from flags and gdk-config.json. */
export interface GreengrassBuildOptions {
  arches: readonly TargetArch[];
  /** Output folder in gdk's layout. */
  outDir: string;
  /** Node modules and staging cache, reused between builds. */
  cacheDir: string;
  /** Folder laid out as `<id>/<file>` holding the model weights. */
  modelMirror: string;
  /** Model ids to package; each needs models/<id>/manifest.json. */
  models: readonly string[];
  componentName: string;
  version: string;
  publisher: string;
  /** The S3 bucket the artifact URIs name; a placeholder is refused. */
  bucket: string;
  /** The Node.js release the runtime ships; default RUNTIME_NODE_VERSION. */
  nodeVersion?: string;
  log?: (line: string) => void;
}

/** What a build wrote. */
export interface GreengrassBuildResult {
  recipes: Record<string, { file: string; recipe: Recipe }>;
  /** Artifact zip per component name, with the folder Greengrass unpacks it into and the files it holds. */
  artifacts: Array<{ component: string; file: string; unpackedName: string; files: string[] }>;
}

/** Refuses a missing or placeholder bucket, so no recipe ever names a bucket that cannot exist. */
export function checkBucket(bucket: string, where: string): string {
  if (bucket.trim() === '' || /REPLACE|YOUR-|PLACEHOLDER|<|>/i.test(bucket)) {
    // gdk itself uploads to "<publish.bucket>-<region>-<account id>" unless given --bucket, so the
    // one name that both the recipes and gdk agree on is the one passed to both (docs/deploy-greengrass.md).
    throw new Error(`Expected the S3 bucket for the artifacts in ${where} but received "${bucket}", a placeholder; nothing was written. Pass the full bucket name: \`npm run greengrass:build -- --bucket NAME\` (or set component.<name>.publish.bucket in greengrass/gdk-config.json), then publish with \`gdk component publish --bucket NAME\` (without --bucket, gdk uploads to NAME-<region>-<account id> instead)`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`Expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens) in ${where} but received "${bucket}"`);
  return bucket;
}

function checkContents(name: string, files: readonly string[], allowed: readonly RegExp[]): void {
  const bad = disallowed(files, allowed);
  if (bad.length > 0) throw new Error(`Expected only allow-listed files in ${name} (greengrass/build/artifact-contents.ts) but it would hold:\n  - ${bad.slice(0, 40).join('\n  - ')}`);
}

/** Base64 SHA-256 of a file, the form recipes carry. */
export async function fileDigest(path: string, encoding: 'base64' | 'hex' = 'base64'): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

interface ManifestLike {
  id: string;
  version: string;
  file: string;
  sha256: string;
  description: string;
}

async function buildModel(options: GreengrassBuildOptions, id: string, result: GreengrassBuildResult): Promise<ModelDependency> {
  const manifestFile = join(repoRoot, 'models', id, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`Expected a manifest at ${manifestFile} for model "${id}" but there is none`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as ManifestLike;
  const weights = join(options.modelMirror, id, manifest.file);
  if (!existsSync(weights)) throw new Error(`Expected the weights of "${id}" at ${weights} (--model-mirror ${options.modelMirror}) but the file is missing; run \`edge-agent models pull ${id}\` into a mirror or pass --model-mirror DIR`);
  const have = await fileDigest(weights, 'hex');
  if (have !== manifest.sha256) throw new Error(`Expected sha256 ${manifest.sha256} for ${weights} (models/${id}/manifest.json) but the file has ${have}`);
  const stage = join(options.outDir, '.stage', `model-${id}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  cpSync(weights, join(stage, manifest.file));
  cpSync(manifestFile, join(stage, 'manifest.json'));
  const componentName = modelComponentName(options.componentName, id);
  const zipName = `${id}.zip`;
  const zipFile = join(options.outDir, 'artifacts', componentName, manifest.version, zipName);
  const files = deterministicZip(stage, zipFile, () => false);
  rmSync(stage, { recursive: true, force: true });
  const artifact: BuiltArtifact = { uri: `s3://${options.bucket}/${componentName}/${manifest.version}/${zipName}`, digest: await fileDigest(zipFile) };
  const recipe = modelRecipe({ componentName, version: manifest.version, publisher: options.publisher, description: `Model ${id} ${manifest.version} for the edge agent: ${manifest.description}`, artifact });
  const recipeFile = join(options.outDir, 'recipes', `${componentName}-${manifest.version}.json`);
  writeFileSync(recipeFile, `${JSON.stringify(recipe, null, 2)}\n`);
  result.recipes[componentName] = { file: recipeFile, recipe };
  result.artifacts.push({ component: componentName, file: zipFile, unpackedName: id, files });
  options.log?.(`model ${id}: ${zipFile}`);
  return { componentName, id, versionRequirement: sameMajorRequirement(manifest.version) };
}

/** The agent component: one zip for every CPU. */
async function buildAgent(options: GreengrassBuildOptions, result: GreengrassBuildResult): Promise<BuiltArtifact> {
  const unpackedName = 'edge-agent';
  const stage = join(options.outDir, '.stage', unpackedName);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'bin'), { recursive: true });
  mkdirSync(join(stage, 'greengrass'), { recursive: true });
  options.log?.('bundling agent/ (esbuild)');
  await bundleDist(repoRoot, join(stage, 'dist'));
  cpSync(join(repoRoot, 'bin', 'edge-agent.js'), join(stage, 'bin', 'edge-agent.js'));
  cpSync(join(greengrassDir, 'run.sh'), join(stage, 'greengrass', 'run.sh'));
  // Only what node reads: the bundle is ES modules (type) and --version names the release.
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ name: pkg.name, version: options.version, license: pkg.license, private: true, type: 'module' }, null, 2)}\n`);
  const zipName = `${unpackedName}.zip`;
  const zipFile = join(options.outDir, 'artifacts', options.componentName, options.version, zipName);
  const executable = (f: string): boolean => f === 'bin/edge-agent.js' || f.endsWith('.sh');
  const files = deterministicZip(stage, zipFile, executable);
  checkContents(zipName, files, AGENT_ALLOWED);
  rmSync(stage, { recursive: true, force: true });
  result.artifacts.push({ component: options.componentName, file: zipFile, unpackedName, files });
  options.log?.(`agent: ${zipFile}`);
  return { uri: `s3://${options.bucket}/${options.componentName}/${options.version}/${zipName}`, digest: await fileDigest(zipFile) };
}

/** The runtime component: Node.js and the native modules, one zip per CPU. */
async function buildRuntime(options: GreengrassBuildOptions, result: GreengrassBuildResult): Promise<{ componentName: string; version: string }> {
  const log = options.log ?? ((): void => undefined);
  const componentName = runtimeComponentName(options.componentName);
  const nodeVersion = options.nodeVersion ?? RUNTIME_NODE_VERSION;
  const built: Partial<Record<TargetArch, BuiltArtifact>> = {};
  let version: string | undefined;
  for (const arch of options.arches) {
    const node = nodeDistribution(options.cacheDir, arch, nodeVersion);
    const modules = productionModules({ root: repoRoot, arch, cacheDir: options.cacheDir, node, log });
    const archVersion = runtimeVersion(modules, node);
    if (version !== undefined && version !== archVersion) throw new Error(`Expected one runtime version for every CPU but ${arch} gives ${archVersion} and another gives ${version}; the lockfile names different versions per CPU`);
    version = archVersion;
    const unpackedName = `edge-agent-runtime-linux-${arch}`;
    const stage = join(options.outDir, '.stage', unpackedName);
    stageRuntime(stage, modules, node);
    const zipName = `${unpackedName}.zip`;
    const zipFile = join(options.outDir, 'artifacts', componentName, version, zipName);
    log(`zipping ${unpackedName} (Node.js ${node.version})`);
    const executable = (f: string): boolean => f === 'bin/node' || f.endsWith('.sh') || f.endsWith('.node') || /\.so(\.\d+)*$/.test(f);
    const files = deterministicZip(stage, zipFile, executable);
    checkContents(zipName, files, runtimeAllowed(arch));
    rmSync(stage, { recursive: true, force: true });
    built[arch] = { uri: `s3://${options.bucket}/${componentName}/${version}/${zipName}`, digest: await fileDigest(zipFile) };
    result.artifacts.push({ component: componentName, file: zipFile, unpackedName, files });
    log(`runtime linux/${arch}: ${zipFile}`);
  }
  if (version === undefined) throw new Error('Expected at least one --arch');
  const recipe = runtimeRecipe({ componentName, version, publisher: options.publisher, nodeVersion, glibcFloor: statedGlibcFloor(), artifacts: built });
  const recipeFile = join(options.outDir, 'recipes', `${componentName}-${version}.json`);
  writeFileSync(recipeFile, `${JSON.stringify(recipe, null, 2)}\n`);
  result.recipes[componentName] = { file: recipeFile, recipe };
  return { componentName, version };
}

/** Builds every component for the requested architectures. */
export async function buildGreengrass(options: GreengrassBuildOptions): Promise<GreengrassBuildResult> {
  checkBucket(options.bucket, 'the build options');
  const result: GreengrassBuildResult = { recipes: {}, artifacts: [] };
  rmSync(options.outDir, { recursive: true, force: true });
  mkdirSync(join(options.outDir, 'recipes'), { recursive: true });

  const models: ModelDependency[] = [];
  for (const id of options.models) models.push(await buildModel(options, id, result));
  const runtime = await buildRuntime(options, result);
  const artifact = await buildAgent(options, result);
  // Staging lives in the output folder, so two builds into different folders never collide.
  rmSync(join(options.outDir, '.stage'), { recursive: true, force: true });

  const recipe = agentRecipe({ componentName: options.componentName, version: options.version, publisher: options.publisher, artifact, arches: options.arches, runtime, models });
  const recipeFile = join(options.outDir, 'recipes', `${options.componentName}-${options.version}.json`);
  writeFileSync(recipeFile, `${JSON.stringify(recipe, null, 2)}\n`);
  result.recipes[options.componentName] = { file: recipeFile, recipe };
  return result;
}

interface GdkConfig {
  component: Record<string, { author: string; version: string; publish: { bucket: string; region: string } }>;
}

/** Parses the command line; defaults come from gdk-config.json and package.json. */
export function optionsFromArgs(argv: string[]): GreengrassBuildOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      arch: { type: 'string', default: 'all' },
      out: { type: 'string' },
      'cache-dir': { type: 'string' },
      'model-mirror': { type: 'string' },
      models: { type: 'string' },
      version: { type: 'string' },
      bucket: { type: 'string' },
      node: { type: 'string' },
    },
    strict: true,
  });
  const arch = values.arch ?? 'all';
  const arches = arch === 'all' ? [...TARGET_ARCHES] : arch.split(',').map((a) => a.trim());
  for (const a of arches) {
    if (!(TARGET_ARCHES as readonly string[]).includes(a)) throw new Error(`Expected --arch arm64, x64 or all but received "${a}"`);
  }
  const gdk = JSON.parse(readFileSync(join(greengrassDir, 'gdk-config.json'), 'utf8')) as GdkConfig;
  const [componentName, component] = Object.entries(gdk.component)[0] ?? [];
  if (componentName === undefined || component === undefined) throw new Error(`Expected one component in ${join(greengrassDir, 'gdk-config.json')}`);
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const version = values.version ?? (/^\d+\.\d+\.\d+$/.test(component.version) ? component.version : pkg.version);
  const modelIds = values.models !== undefined ? values.models.split(',').map((m) => m.trim()).filter((m) => m !== '') : ['person-yolox-192'];
  return {
    arches: arches as TargetArch[],
    outDir: resolve(values.out ?? join(greengrassDir, 'greengrass-build')),
    cacheDir: resolve(values['cache-dir'] ?? join(greengrassDir, '.cache')),
    modelMirror: resolve(values['model-mirror'] ?? join(repoRoot, '..', 'shared', 'models')),
    models: modelIds,
    componentName,
    version,
    publisher: component.author,
    bucket: checkBucket(values.bucket ?? component.publish.bucket, values.bucket !== undefined ? '--bucket' : `${join(greengrassDir, 'gdk-config.json')} (component.${componentName}.publish.bucket)`),
    ...(values.node !== undefined ? { nodeVersion: values.node } : {}),
    log: (line) => process.stderr.write(`[greengrass:build] ${line}\n`),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const started = Date.now();
  const options = optionsFromArgs(process.argv.slice(2));
  const result = await buildGreengrass(options);
  for (const [name, r] of Object.entries(result.recipes)) process.stdout.write(`${name}: ${r.file}\n`);
  for (const a of result.artifacts) process.stdout.write(`  ${basename(a.file)}\n`);
  process.stderr.write(`[greengrass:build] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
