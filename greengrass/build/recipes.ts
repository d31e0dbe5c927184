/**
 * Fills the recipe templates in greengrass/recipes/ with what a build produced: names, versions,
 * artifact URIs and SHA-256 digests, the model components the agent depends on, and only the
 * manifests of the architectures that were built (a recipe must never point at an artifact that
 * does not exist).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TargetArch } from './native-modules.js';

/** The template folder, greengrass/recipes/. */
export const recipesDir = fileURLToPath(new URL('../recipes/', import.meta.url));

/** A recipe as parsed JSON; the JSON Schema in greengrass/schema/ says what it may hold. */
export type Recipe = Record<string, unknown> & { Manifests: Array<Record<string, unknown>> };

/** Greengrass's name for each npm CPU name (the recipe's Platform.architecture). */
export const GREENGRASS_ARCH: Record<TargetArch, string> = { arm64: 'aarch64', x64: 'amd64' };

/** One built artifact. */
export interface BuiltArtifact {
  uri: string;
  /** Base64 SHA-256 of the file, the form recipes carry. */
  digest: string;
}

/** A model component the agent depends on. */
export interface ModelDependency {
  componentName: string;
  /** Model id: the folder inside the model component's zip. */
  id: string;
  versionRequirement: string;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([A-Z][A-Z0-9_]*)\}/g, (match, key: string) => values[key] ?? match);
}

/** Reads a template and replaces `{UPPER_CASE}` placeholders; recipe variables (`{work:path}`) stay. */
export function loadTemplate(file: string, values: Record<string, string>): Recipe {
  return JSON.parse(fill(readFileSync(file, 'utf8'), values)) as Recipe;
}

/** What the agent recipe needs from a build. */
export interface AgentRecipeOptions {
  componentName: string;
  version: string;
  publisher: string;
  /** The one agent zip: bundled JavaScript and data, the same for every CPU. */
  artifact: BuiltArtifact;
  /** The CPUs whose runtime was built; only their manifests are kept. */
  arches: readonly TargetArch[];
  /** The runtime component the agent runs on, pinned to the exact version built with it. */
  runtime: { componentName: string; version: string };
  models: readonly ModelDependency[];
}

function keepArches(recipe: Recipe, arches: readonly TargetArch[]): void {
  const keep = new Set(arches.map((a) => GREENGRASS_ARCH[a]));
  recipe.Manifests = recipe.Manifests.filter((m) => keep.has(String((m['Platform'] as Record<string, unknown>)['architecture'])));
}

/** The agent's recipe, with manifests for the built architectures only. */
export function agentRecipe(options: AgentRecipeOptions): Recipe {
  const values: Record<string, string> = {
    COMPONENT_NAME: options.componentName,
    COMPONENT_VERSION: options.version,
    COMPONENT_PUBLISHER: options.publisher,
    MODEL_DECOMPRESSED_PATHS: options.models.map((m) => `{${m.componentName}:artifacts:decompressedPath}/${m.id}`).join(' '),
    ARTIFACT_URI: options.artifact.uri,
    ARTIFACT_DIGEST: options.artifact.digest,
    RUNTIME_COMPONENT_NAME: options.runtime.componentName,
    RUNTIME_COMPONENT_VERSION: options.runtime.version,
  };
  const recipe = loadTemplate(`${recipesDir}agent.recipe.json`, values);
  keepArches(recipe, options.arches);
  const deps = (recipe['ComponentDependencies'] ?? {}) as Record<string, unknown>;
  for (const m of options.models) deps[m.componentName] = { VersionRequirement: m.versionRequirement, DependencyType: 'HARD' };
  recipe['ComponentDependencies'] = deps;
  return recipe;
}

/** What the runtime recipe needs from a build. */
export interface RuntimeRecipeOptions {
  componentName: string;
  version: string;
  publisher: string;
  nodeVersion: string;
  glibcFloor: string;
  artifacts: Partial<Record<TargetArch, BuiltArtifact>>;
}

/** The runtime component's recipe: one zip per CPU, and an Install step that checks the system. */
export function runtimeRecipe(options: RuntimeRecipeOptions): Recipe {
  const values: Record<string, string> = {
    COMPONENT_NAME: options.componentName,
    COMPONENT_VERSION: options.version,
    COMPONENT_PUBLISHER: options.publisher,
    NODE_VERSION: options.nodeVersion,
    GLIBC_FLOOR: options.glibcFloor,
  };
  for (const [arch, built] of Object.entries(options.artifacts) as Array<[TargetArch, BuiltArtifact]>) {
    values[`ARTIFACT_URI_${arch.toUpperCase()}`] = built.uri;
    values[`ARTIFACT_DIGEST_${arch.toUpperCase()}`] = built.digest;
  }
  const recipe = loadTemplate(`${recipesDir}runtime.recipe.json`, values);
  keepArches(recipe, Object.keys(options.artifacts) as TargetArch[]);
  return recipe;
}

/** The runtime component name for an agent component name: `<agent component>.Runtime`. */
export function runtimeComponentName(agentComponentName: string): string {
  return `${agentComponentName}.Runtime`;
}

/** What a model component recipe needs. */
export interface ModelRecipeOptions {
  componentName: string;
  version: string;
  publisher: string;
  description: string;
  artifact: BuiltArtifact;
}

/** A model component's recipe: one zipped artifact (the ONNX file and its manifest), no lifecycle. */
export function modelRecipe(options: ModelRecipeOptions): Recipe {
  return loadTemplate(`${recipesDir}model.recipe.json`, {
    COMPONENT_NAME: options.componentName,
    COMPONENT_VERSION: options.version,
    COMPONENT_PUBLISHER: options.publisher,
    COMPONENT_DESCRIPTION: options.description.replace(/["\\]/g, ''),
    ARTIFACT_URI: options.artifact.uri,
    ARTIFACT_DIGEST: options.artifact.digest,
  });
}

/** The model component name for a model id: `<agent component>.Model.<id>`. */
export function modelComponentName(agentComponentName: string, id: string): string {
  return `${agentComponentName}.Model.${id}`;
}

/** Accepts any minor or patch release of the model's major version, so models update on their own. */
export function sameMajorRequirement(version: string): string {
  const major = Number(version.split('.')[0]);
  return `>=${major}.0.0 <${major + 1}.0.0`;
}
