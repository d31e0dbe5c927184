#!/usr/bin/env node
// Entry point installed as `edge-agent`. A built tree (npm run build, as the Greengrass and
// systemd artifacts ship) runs the compiled JavaScript; a source checkout runs the TypeScript
// through tsx, so a developer never has to remember to build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'agent', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'agent', 'cli', 'main.ts')).href);
}
