#!/usr/bin/env node
// Entry point installed as `edge-agent`. In a source checkout (agent/*.ts present) it runs the
// TypeScript through tsx, so a stale dist/ from an earlier `npm run build` can never hide an edit;
// in a built artifact (Greengrass zip, systemd install: no sources) it runs the compiled dist/.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// Installed before anything loads (tsx and the command's modules take a second or two): a stop
// signal that arrives before the command has its own handlers ends the process with the shell's
// 128 + signal number (130 for SIGINT, 143 for SIGTERM) instead of a death by signal. A command
// that listens itself (`run`, `subscribe`) takes over: then this one stands aside.
const earlyStop = (signal) => {
  if (process.listenerCount(signal) > 1) return;
  process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
};
process.on('SIGTERM', earlyStop);
process.on('SIGINT', earlyStop);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--version` answers from package.json before any module loads (loading the agent takes a second
// or more on a Raspberry Pi; the packaged release's package.json carries its version).
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  process.exit(0);
}
const source = join(root, 'agent', 'cli', 'main.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'agent', 'cli', 'main.js')).href);
}
