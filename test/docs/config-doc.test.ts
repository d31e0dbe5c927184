import t from 'tap';
import { readFileSync } from 'node:fs';
import { configDocPath, renderConfigDoc } from '../../agent/docs/config-doc.js';
import { envBindings } from '../../agent/config/env-layer.js';
import { configSchema } from '../../agent/config/schema.js';
import { formatKeyPath, schemaKeys } from '../../agent/config/schema-walk.js';

t.test('docs/configuration.md is what `npm run docs:config` writes', async (t) => {
  const committed = readFileSync(configDocPath, 'utf8');
  t.equal(committed, renderConfigDoc(), 'run `npm run docs:config` and commit the result');
});

t.test('the page names every key, every variable and every profile', async (t) => {
  const text = renderConfigDoc();
  for (const key of schemaKeys(configSchema)) t.ok(text.includes(`\`${formatKeyPath(key.path)}\``), formatKeyPath(key.path));
  for (const b of envBindings()) t.ok(text.includes(`\`${b.variable}\``), b.variable);
  for (const id of ['raspberry-pi-4', 'raspberry-pi-5', 'raspberry-pi-zero-2-w', 'jetson-nano', 'jetson-orin-nano', 'generic-x86_64', 'generic-arm64']) {
    t.ok(text.includes(`| \`${id}\` |`), id);
  }
});
