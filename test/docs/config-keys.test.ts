/**
 * The configuration docs name exactly the keys the schema has: every YAML example in
 * docs/configuration.md and docs/cameras.md is a valid configuration layer (an unknown key fails,
 * with the nearest known one), every dotted key path they name exists, and docs/cameras.md
 * documents every key of a camera's `source`.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { checkLayer } from '../../agent/config/validate.js';
import { configSchema } from '../../agent/config/schema.js';
import { formatKeyPath, schemaKeys } from '../../agent/config/schema-walk.js';

const docs = ['docs/configuration.md', 'docs/cameras.md'] as const;
const keys = schemaKeys(configSchema);
const paths = new Set(keys.map((k) => formatKeyPath(k.path)));
const topKeys = new Set(Object.keys(configSchema.properties));
const cameraKeys = new Set(Object.keys(configSchema.properties.cameras.items.properties));
const sourceKeys = Object.keys(configSchema.properties.cameras.items.properties.source.properties);

function read(doc: string): string {
  return readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
}

function yamlBlocks(text: string): string[] {
  return [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

/** A YAML example as a whole config layer: a full config, one camera, or one camera's source. */
function asLayer(doc: unknown): Record<string, unknown> | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const names = Object.keys(doc);
  if (names.every((k) => topKeys.has(k))) return doc as Record<string, unknown>;
  const camera = { name: 'docs', models: [{ id: 'docs' }] };
  if (names.every((k) => cameraKeys.has(k))) return { cameras: [{ ...camera, ...doc }] };
  if (names.every((k) => sourceKeys.includes(k))) return { cameras: [{ ...camera, source: doc }] };
  return undefined;
}

for (const docPath of docs) {
  t.test(`${docPath}: every YAML example is a valid configuration layer`, async (t) => {
    const blocks = yamlBlocks(read(docPath));
    for (const [i, block] of blocks.entries()) {
      const layer = asLayer(parse(block));
      if (layer === undefined) {
        t.fail(`example ${i + 1} is neither a configuration, a camera nor a source:\n${block}`);
        continue;
      }
      t.same(checkLayer(layer).map((p) => p.message), [], `example ${i + 1} uses only keys and values the schema accepts`);
    }
  });

  t.test(`${docPath}: every dotted key path it names exists`, async (t) => {
    const named = [...read(docPath).matchAll(/`((?:capture|cameras(?:\[\])?|source|models|inference|outbox|publish|health)\.[A-Za-z.[\]]+)`/g)].map((m) => m[1] as string);
    const unknown = named.filter((p) => !paths.has(p) && !paths.has(p.replace(/^cameras\./, 'cameras[].')) && !paths.has(`cameras[].${p}`));
    t.same([...new Set(unknown)], [], 'key paths that the schema lacks');
  });
}

t.test('docs/cameras.md documents every key of a camera source', async (t) => {
  const text = read('docs/cameras.md');
  const missing = sourceKeys.filter((k) => !new RegExp(`\`(source\\.)?${k}\\b|^\\s*${k}:`, 'm').test(text));
  t.same(missing, [], 'source keys docs/cameras.md never names');
});
