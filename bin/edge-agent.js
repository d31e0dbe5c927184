#!/usr/bin/env node
// Entry point installed as `edge-agent`. In a source checkout (agent/*.ts present) it runs the
// TypeScript through tsx, so a stale dist/ from an earlier `npm run build` can never hide an edit;
// in a built artifact (Greengrass zip, systemd install: no sources) it runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'agent', 'cli', 'main.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'agent', 'cli', 'main.js')).href);
}
