import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { checkLayer, checkMerged } from '../../agent/config/validate.js';
import { agentRecipe, modelRecipe, recipesDir, runtimeRecipe, type Recipe } from '../../greengrass/build/recipes.js';
import { repoRoot } from '../helpers/shared.js';

const schema = JSON.parse(readFileSync(join(repoRoot, 'greengrass', 'schema', 'recipe.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);
const errorsOf = (recipe: unknown): string[] => (validate(recipe) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

const artifact = { uri: 's3://bucket/x.zip', digest: 'AAAA' };
const filledAgent = (): Recipe =>
  agentRecipe({
    componentName: 'com.example.EdgeAgent',
    version: '1.2.3',
    publisher: 'Example',
    artifact,
    arches: ['arm64', 'x64'],
    runtime: { componentName: 'com.example.EdgeAgent.Runtime', version: '26.12.1-rt.0123456789' },
    models: [{ componentName: 'com.example.EdgeAgent.Model.m', id: 'm', versionRequirement: '>=1.0.0 <2.0.0' }],
  });

t.test('the schema cites the documented recipe format', async (t) => {
  t.match((schema as { description: string }).description, /https:\/\/docs\.aws\.amazon\.com\/greengrass\/v2\/developerguide\/component-recipe-reference\.html/);
});

t.test('the templates and filled recipes validate', async (t) => {
  t.same(errorsOf(readJson(join(recipesDir, 'agent.recipe.json'))), [], 'agent template');
  t.same(errorsOf(readJson(join(recipesDir, 'model.recipe.json'))), [], 'model template');
  t.same(errorsOf(readJson(join(recipesDir, 'runtime.recipe.json'))), [], 'runtime template');
  t.same(errorsOf(runtimeRecipe({ componentName: 'com.example.EdgeAgent.Runtime', version: '26.12.1-rt.0123456789', publisher: 'Example', nodeVersion: '26.12.1', glibcFloor: '2.34', artifacts: { arm64: artifact } })), [], 'filled runtime recipe');
  t.same(errorsOf(filledAgent()), [], 'filled agent recipe');
  t.same(errorsOf(modelRecipe({ componentName: 'com.example.EdgeAgent.Model.m', version: '1.0.0', publisher: 'Example', description: 'a "quoted" model', artifact })), [], 'filled model recipe');
});

t.test('the schema refuses what the documented format does not allow', async (t) => {
  const bad = (mutate: (r: Recipe) => void): string[] => {
    const r = filledAgent();
    mutate(r);
    return errorsOf(r);
  };
  t.not(bad((r) => (r['RecipeFormatVersion'] = '2021-01-01')).length, 0, 'unknown format version');
  t.not(bad((r) => (r['ComponentVersion'] = '1.2')).length, 0, 'version without patch');
  t.not(bad((r) => ((r['ComponentDependencies'] as Record<string, { DependencyType: string }>)['com.example.EdgeAgent.Model.m']!.DependencyType = 'STRONG')).length, 0, 'dependency type');
  t.not(bad((r) => ((r.Manifests[0]!['Lifecycle'] as Record<string, unknown>)['Runn'] = 'x')).length, 0, 'misspelled lifecycle step');
  t.not(bad((r) => ((r.Manifests[0]!['Artifacts'] as Array<Record<string, unknown>>)[0]!['Unarchive'] = 'TAR')).length, 0, 'unarchive type');
  t.not(bad((r) => ((r.Manifests[0]!['Artifacts'] as Array<Record<string, unknown>>)[0]!['Algorithm'] = 'MD5')).length, 0, 'digest algorithm');
  t.not(bad((r) => ((r.Manifests[0]!['Lifecycle'] as Record<string, unknown>)['Startup'] = 'x')).length, 0, 'Startup and Run together');
});

t.test('the agent recipe: architectures, topics, dependencies, work path', async (t) => {
  const r = filledAgent();
  t.same(
    r.Manifests.map((m) => m['Platform']),
    [
      { os: 'linux', architecture: 'aarch64' },
      { os: 'linux', architecture: 'amd64' },
    ],
  );
  const only = agentRecipe({ componentName: 'c', version: '1.0.0', publisher: 'p', artifact, arches: ['arm64'], runtime: { componentName: 'c.Runtime', version: '1.0.0' }, models: [] });
  t.same(only.Manifests.map((m) => (m['Platform'] as { architecture: string }).architecture), ['aarch64'], 'only built architectures get a manifest');

  const defaults = (r['ComponentConfiguration'] as { DefaultConfiguration: Record<string, unknown> }).DefaultConfiguration;
  const access = defaults['accessControl'] as Record<string, Record<string, { operations: string[]; resources: string[] }>>;
  const mqtt = Object.values(access['aws.greengrass.ipc.mqttproxy'] ?? {});
  t.same(mqtt.flatMap((p) => p.operations), ['aws.greengrass#PublishToIoTCore'], 'publish only, no subscribe');
  for (const resource of mqtt.flatMap((p) => p.resources)) t.match(resource, /^edge-agent\/\{iot:thingName\}\//, `${resource} is scoped to this thing`);
  t.ok(Object.keys(access['aws.greengrass.ipc.config'] ?? {}).length > 0, 'configuration IPC rights');

  const deps = r['ComponentDependencies'] as Record<string, { DependencyType: string; VersionRequirement: string }>;
  t.same(deps['com.example.EdgeAgent.Model.m'], { VersionRequirement: '>=1.0.0 <2.0.0', DependencyType: 'HARD' });
  t.same(deps['com.example.EdgeAgent.Runtime'], { VersionRequirement: '=26.12.1-rt.0123456789', DependencyType: 'HARD' }, 'pinned to the runtime built with it');
  for (const m of r.Manifests) {
    const lifecycle = m['Lifecycle'] as { Setenv: Record<string, string>; Run: { Script: string } };
    t.equal(lifecycle.Setenv['EDGE_AGENT_PUBLISH__TRANSPORT'], 'greengrass');
    t.equal(lifecycle.Setenv['GG_EDGE_AGENT_WORK_DIR'], '{work:path}', 'data in the work path, which survives updates');
    t.equal(lifecycle.Setenv['GG_EDGE_AGENT_MODEL_DIRS'], '{com.example.EdgeAgent.Model.m:artifacts:decompressedPath}/m');
    t.match(lifecycle.Setenv['GG_EDGE_AGENT_RUNTIME_DIR'], /^\{com\.example\.EdgeAgent\.Runtime:artifacts:decompressedPath\}\/edge-agent-runtime-linux-(arm64|x64)$/);
    t.match(lifecycle.Run.Script, /run\.sh$/);
  }
});

t.test('the default agent configuration and the deployment merge are valid agent configs', async (t) => {
  const template = readJson(join(recipesDir, 'agent.recipe.json')) as Recipe;
  const agent = (template['ComponentConfiguration'] as { DefaultConfiguration: { agent: Record<string, unknown> } }).DefaultConfiguration.agent;
  t.same(checkLayer(agent), []);
  t.same(checkMerged(structuredClone(agent)), []);

  const deployment = readJson(join(repoRoot, 'greengrass', 'deployment.json')) as { targetArn: string; components: Record<string, { configurationUpdate?: { merge: string } }> };
  t.match(deployment.targetArn, /^arn:aws:iot:[a-z0-9-]+:\d{12}:thinggroup\//, 'targets a thing group');
  const merge = JSON.parse(deployment.components['com.example.EdgeAgent']?.configurationUpdate?.merge ?? '{}') as { agent: Record<string, unknown> };
  t.same(checkLayer(merge.agent), [], 'the merge example is a valid layer');
  t.same(checkMerged({ ...structuredClone(agent), ...structuredClone(merge.agent) }), [], 'and valid once merged');
  t.ok(deployment.components['com.example.EdgeAgent.Model.person-yolox-192'], 'deploys the model component');
  t.not(checkLayer({ ...merge.agent, cameraz: [] }).length, 0, 'an unknown key in a merge is caught');
});
