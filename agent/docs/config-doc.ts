/**
 * Renders docs/configuration.md from the schema and the device profiles, so the reference cannot
 * drift from what the agent accepts (test/docs/config-doc.test.ts compares the committed file).
 * Run `npm run docs:config` after changing either.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDeviceProfiles } from '../profiles/device-profile.js';
import { CONFIG_FILE_VARIABLE, ENV_ALIASES, envVariableName } from '../config/env-layer.js';
import { configSchema } from '../config/schema.js';
import { formatKeyPath, schemaKeys, type SchemaNode } from '../config/schema-walk.js';

/** Where the generated page lives. */
export const configDocPath = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (node.type === 'array' && node.items) {
    const items = node.items.properties ? 'objects' : typeOf(node.items);
    return `list of ${items}`;
  }
  if (node.properties) return 'section';
  const base = Array.isArray(node.type) ? node.type.join(' or ') : String(node.type ?? 'any');
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) bounds.push(`≤ ${node.maximum}`);
  return bounds.length > 0 ? `${base} ${bounds.join(', ')}` : base;
}

function defaultOf(node: SchemaNode): string {
  if (node.runtimeDefault !== undefined) return node.runtimeDefault;
  if (node.default === undefined) return '';
  if (node.properties) return '';
  const text = JSON.stringify(node.default);
  return `\`${text}\``;
}

function requiredIn(parent: SchemaNode | undefined, name: string): boolean {
  return parent?.required?.includes(name) ?? false;
}

function keysTable(): string[] {
  const root = configSchema as SchemaNode;
  const lines = ['| Key | Type | Default | Environment variable | Meaning |', '| --- | --- | --- | --- | --- |'];
  const nodes = new Map<string, SchemaNode>([['', root]]);
  for (const key of schemaKeys(root)) {
    const parentPath = key.path.slice(0, -1);
    const name = key.path[key.path.length - 1] as string;
    nodes.set(formatKeyPath(key.path), key.node);
    if (key.node.items?.properties) nodes.set(`${formatKeyPath(key.path)}[]`, key.node.items);
    const parent = nodes.get(formatKeyPath(parentPath));
    const required = requiredIn(parent, name) ? ' (required)' : '';
    const variable = key.scalar && !key.path.includes('[]') ? `\`${envVariableName(key.path)}\`` : '';
    lines.push(`| \`${formatKeyPath(key.path)}\`${required} | ${cell(typeOf(key.node))} | ${cell(defaultOf(key.node))} | ${variable} | ${cell(key.node.description ?? '')} |`);
  }
  return lines;
}

function profilesTable(): string[] {
  const lines = [
    '| Profile | Chosen when | Threads | Execution providers | `auto` camera backends | Frame | Memory budget |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of loadDeviceProfiles()) {
    const c = p.config as {
      inference?: { intraOpThreads?: number; executionProviders?: string[] };
      capture?: { autoBackends?: string[]; frameWidth?: number; frameHeight?: number };
      memoryBudgetBytes?: number;
    };
    const when = [
      ...(p.match.deviceTreeModel ?? []).map((m) => `device tree model contains "${m}"`),
      ...(p.match.arch ?? []).map((a) => `no model matched, arch ${a}`),
    ].join('; ');
    const threads = c.inference?.intraOpThreads === 0 ? '0 (ONNX Runtime chooses)' : String(c.inference?.intraOpThreads ?? '');
    const budget = c.memoryBudgetBytes === undefined ? '' : `${Math.round(c.memoryBudgetBytes / 1048576)} MiB`;
    lines.push(
      `| \`${p.id}\` | ${cell(when)} | ${threads} | ${(c.inference?.executionProviders ?? []).join(', ')} | ${(c.capture?.autoBackends ?? []).join(', ')} | ${c.capture?.frameWidth ?? ''}x${c.capture?.frameHeight ?? ''} | ${budget} |`,
    );
  }
  return lines;
}

/** The example in the page; a test loads it, so it stays a valid config. */
export const exampleConfigYaml = [
  'deviceId: shop-door-1',
  'cameras:',
  '  - name: door',
  '    source: { type: rpicam, width: 640, height: 480 }',
  '    targetIntervalMs: 500',
  '    changeGate: { enabled: true, threshold: 0.02 }',
  '    models:',
  '      - id: person-yolox-192',
  '        threshold: 0.5',
  '        report: { policy: on-change, heartbeatSeconds: 300 }',
  'publish:',
  '  transport: mqtt',
  '  brokerUrl: mqtts://broker.example:8883',
  '  tls: { ca: /etc/edge-agent/ca.pem }',
  '',
].join('\n');

/** The full text of docs/configuration.md. */
export function renderConfigDoc(): string {
  const aliases = Object.entries(ENV_ALIASES).map(([old, now]) => `\`${old}\` (same as \`${now}\`)`);
  return [
    '# Configuration',
    '',
    '<!-- Generated by `npm run docs:config` from agent/config/schema.ts and device-profiles/*.yaml. Do not edit by hand: test/docs/config-doc.test.ts fails when this file differs from what the script writes. -->',
    '',
    'The agent reads one YAML file: `--config FILE`, else the file named by `EDGE_AGENT_CONFIG`, else `/etc/edge-agent/config.yaml` when it exists (where deploy/install.sh puts it). Every command that uses the data directory, the model store or the outbox (`run`, `doctor`, `models`, `infer`, `outbox`) loads it the same way, so they all see the same folders. It is checked against a JSON Schema (agent/config/schema.ts): a key the schema does not know is refused, with the nearest known key suggested, and every error names the key path, what was expected and what came, and where the value came from (file, variable or flag):',
    '',
    '```text',
    'edge-agent: Unknown key cameras[0].source.typ; did you mean cameras[0].source.type? (expected one of type, path, ...) (in site.yaml) [EDGE_CONFIG_INVALID]',
    '```',
    '',
    '## Layers',
    '',
    'Values are merged in this order, each layer overriding the ones before it:',
    '',
    '1. **Defaults** from the schema (the Default column below).',
    '2. **Device profile** (`device-profiles/<id>.yaml`): the board\'s threads, execution providers, camera backends, frame size, model variant preference and memory budget. Chosen by `--profile`, else `EDGE_AGENT_PROFILE`, else the file\'s `profile` key, else detected from `/proc/device-tree/model` (and reported with the L4T release from `/etc/nv_tegra_release` on a Jetson), else the generic profile for the CPU architecture. `edge-agent doctor` prints the choice and the reason.',
    '3. **The config file.**',
    '4. **Environment variables** `EDGE_AGENT_*` (the Environment variable column): sections joined by `__`, names in SNAKE_CASE, lists comma-separated. An unknown `EDGE_AGENT_*` variable is an error, with the nearest name suggested. Empty values count as unset.',
    '5. **Command-line flags** (such as `--data-dir`, `--profile`).',
    '',
    'Objects merge key by key; a list (`cameras`, `executionProviders`) given by a layer replaces the list below it. A few defaults depend on the machine and are computed after merging (the Default column says how). The result is deep-frozen: no part of the agent can change it at run time.',
    '',
    'Other variables:',
    '',
    `- \`${CONFIG_FILE_VARIABLE}\`: the config file, when \`--config\` is not given.`,
    ...aliases.map((a) => `- ${a}.`),
    '- `STATE_DIRECTORY` (set by systemd\'s `StateDirectory=`) and `XDG_DATA_HOME` feed the default `dataDir`.',
    '- `AWS_IOT_THING_NAME` (set by the Greengrass nucleus) feeds the default `deviceId` on a device with neither a device-tree serial number nor `/etc/machine-id`.',
    '',
    'Rules that span keys, checked after merging: camera names are unique; `targetIntervalMs` and `targetFps` are not both given; a source has what its type needs (`files`: `path` or `glob`; `v4l2`: `device`; `rtsp`/`http`: `url`; `gstreamer`: `pipeline`); `mqtt` and `aws-iot` need `publish.brokerUrl`, and `aws-iot` needs `publish.tls.cert` and `publish.tls.key`.',
    '',
    '## Keys',
    '',
    ...keysTable(),
    '',
    '## Device profiles',
    '',
    'Each file in `device-profiles/` says in comments which numbers come from a measurement (the YuNet benchmark in `../shared/models/face-yunet-2023mar/rpi-benchmark.csv`, the execution-provider table in onnxruntime-node\'s README) and which are conservative defaults.',
    '',
    ...profilesTable(),
    '',
    '## Example',
    '',
    '```yaml',
    exampleConfigYaml.trimEnd(),
    '```',
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(configDocPath, renderConfigDoc());
  process.stdout.write(`wrote ${configDocPath}\n`);
}
