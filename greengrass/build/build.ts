/**
 * `npm run greengrass:build -- --arch arm64|x64|all`: the Greengrass components, in gdk's layout
 * (greengrass/greengrass-build/recipes/*.json and artifacts/<component>/<version>/*.zip).
 *
 * - The agent component: dist/ compiled from agent/, bin/, package.json, run.sh and production
 *   node_modules for each target CPU (native-modules.ts), one zip per CPU.
 * - One model component per model: `<id>.zip` holding model.onnx and manifest.json, read from a
 *   mirror folder (never from git) and checked against the manifest's sha256 before zipping.
 *
 * gdk-config.json names the component, its publisher and the S3 bucket the URIs point at.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDist } from '../../deploy/build/build-dist.js';
import { productionModules, TARGET_ARCHES, type TargetArch } from './native-modules.js';
import { agentRecipe, modelComponentName, modelRecipe, sameMajorRequirement, type BuiltArtifact, type ModelDependency, type Recipe } from './recipes.js';

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
  bucket: string;
  log?: (line: string) => void;
}

/** What a build wrote. */
export interface GreengrassBuildResult {
  recipes: Record<string, { file: string; recipe: Recipe }>;
  /** Artifact zip per component name, with the folder Greengrass unpacks it into. */
  artifacts: Array<{ component: string; file: string; unpackedName: string }>;
}

/** Base64 SHA-256 of a file, the form recipes carry. */
export async function fileDigest(path: string, encoding: 'base64' | 'hex' = 'base64'): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

function zipFolder(folder: string, zipFile: string): void {
  rmSync(zipFile, { force: true });
  mkdirSync(resolve(zipFile, '..'), { recursive: true });
  // zip follows symbolic links by default, so the cached node_modules is stored as files.
  const result = spawnSync('zip', ['-qr', '-X', zipFile, '.'], { cwd: folder, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`zip of ${folder} failed (${result.error?.message ?? result.stderr}); install zip with \`apt-get install zip\``);
  }
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
  zipFolder(stage, zipFile);
  rmSync(stage, { recursive: true, force: true });
  const artifact: BuiltArtifact = { uri: `s3://${options.bucket}/${componentName}/${manifest.version}/${zipName}`, digest: await fileDigest(zipFile) };
  const recipe = modelRecipe({ componentName, version: manifest.version, publisher: options.publisher, description: `Model ${id} ${manifest.version} for the edge agent: ${manifest.description}`, artifact });
  const recipeFile = join(options.outDir, 'recipes', `${componentName}-${manifest.version}.json`);
  writeFileSync(recipeFile, `${JSON.stringify(recipe, null, 2)}\n`);
  result.recipes[componentName] = { file: recipeFile, recipe };
  result.artifacts.push({ component: componentName, file: zipFile, unpackedName: id });
  options.log?.(`model ${id}: ${zipFile}`);
  return { componentName, id, versionRequirement: sameMajorRequirement(manifest.version) };
}

/** Builds every component for the requested architectures. */
export async function buildGreengrass(options: GreengrassBuildOptions): Promise<GreengrassBuildResult> {
  const log = options.log ?? ((): void => undefined);
  const result: GreengrassBuildResult = { recipes: {}, artifacts: [] };
  rmSync(options.outDir, { recursive: true, force: true });
  mkdirSync(join(options.outDir, 'recipes'), { recursive: true });

  const models: ModelDependency[] = [];
  for (const id of options.models) models.push(await buildModel(options, id, result));

  // Compile once; every architecture ships the same JavaScript.
  const dist = join(options.outDir, '.stage', 'dist');
  log('compiling agent/ (tsc -p tsconfig.build.json)');
  buildDist(repoRoot, dist);

  const built: Partial<Record<TargetArch, BuiltArtifact>> = {};
  for (const arch of options.arches) {
    const modules = productionModules({ root: repoRoot, arch, cacheDir: options.cacheDir, log });
    const unpackedName = `edge-agent-linux-${arch}`;
    const stage = join(options.outDir, '.stage', unpackedName);
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(join(stage, 'bin'), { recursive: true });
    mkdirSync(join(stage, 'greengrass'), { recursive: true });
    cpSync(dist, join(stage, 'dist'), { recursive: true });
    cpSync(join(repoRoot, 'bin', 'edge-agent.js'), join(stage, 'bin', 'edge-agent.js'));
    cpSync(join(repoRoot, 'package.json'), join(stage, 'package.json'));
    cpSync(join(greengrassDir, 'run.sh'), join(stage, 'greengrass', 'run.sh'));
    // run.sh refuses a node whose ABI differs from the one better-sqlite3 was compiled for.
    writeFileSync(join(stage, 'greengrass', 'node-abi'), `${process.versions.modules}\n`);
    symlinkSync(modules, join(stage, 'node_modules'));
    const zipName = `${unpackedName}.zip`;
    const zipFile = join(options.outDir, 'artifacts', options.componentName, options.version, zipName);
    log(`zipping ${unpackedName}`);
    zipFolder(stage, zipFile);
    rmSync(stage, { recursive: true, force: true });
    built[arch] = { uri: `s3://${options.bucket}/${options.componentName}/${options.version}/${zipName}`, digest: await fileDigest(zipFile) };
    result.artifacts.push({ component: options.componentName, file: zipFile, unpackedName });
    log(`agent linux/${arch}: ${zipFile}`);
  }
  // Staging lives in the output folder, so two builds into different folders never collide.
  rmSync(join(options.outDir, '.stage'), { recursive: true, force: true });

  const recipe = agentRecipe({ componentName: options.componentName, version: options.version, publisher: options.publisher, artifacts: built, models });
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
    bucket: values.bucket ?? component.publish.bucket,
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
