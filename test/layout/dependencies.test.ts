/**
 * Dependencies run one way: every area of agent/ has a floor, and a file may import only from its
 * own area or from areas on a lower floor. The floors follow the path of a frame (capture before
 * preprocess before inference ...), with the shared ground (errors, log, support, results) below
 * everything and the parts that gather every area (runtime, cli, docs) on top. A new area must be
 * given a floor here, and README's layout section says which.
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const agentDir = fileURLToPath(new URL('../../agent/', import.meta.url));

/** Lower floors first. Areas on one floor may not import each other. */
const floors: readonly (readonly string[])[] = [
  ['support'],
  ['errors', 'log'],
  ['results'],
  ['profiles', 'models', 'health'],
  ['config'],
  ['capture'],
  ['preprocess'],
  ['inference'],
  ['postprocess'],
  ['pipeline'],
  ['outbox'],
  ['greengrass'],
  ['publish'],
  ['variants', 'quantize'],
  ['console'],
  ['runtime'],
  ['cli'],
  ['docs'],
];

function floorOf(area: string): number {
  const i = floors.findIndex((f) => f.includes(area));
  return i;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every relative import of agent/ as [from area, to area, file]. */
function edges(): { from: string; to: string; file: string }[] {
  const out: { from: string; to: string; file: string }[] = [];
  for (const file of tsFiles(agentDir)) {
    const from = relative(agentDir, file).split('/')[0] as string;
    for (const m of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const target = relative(agentDir, resolve(dirname(file), m[1] as string));
      if (target.startsWith('..')) continue;
      const to = target.split('/')[0] as string;
      if (to !== from) out.push({ from, to, file: relative(agentDir, file) });
    }
  }
  return out;
}

t.test('every area of agent/ has a floor', async (t) => {
  const areas = readdirSync(agentDir).filter((n) => statSync(join(agentDir, n)).isDirectory());
  const missing = areas.filter((a) => floorOf(a) < 0);
  t.same(missing, [], 'give each new folder of agent/ a floor in test/layout/dependencies.test.ts and README');
});

t.test('no file imports from an area on its own floor or above it', async (t) => {
  const bad = edges()
    .filter((e) => floorOf(e.to) >= 0 && floorOf(e.from) >= 0 && floorOf(e.to) >= floorOf(e.from))
    .map((e) => `${e.file} imports ${e.to}/ (floor ${floorOf(e.to)}) from floor ${floorOf(e.from)}`);
  t.same(bad, [], 'dependencies run down the floors only');
});

t.test('the check sees real imports', async (t) => {
  // Guards against a pattern that silently matches nothing.
  const all = edges();
  t.ok(all.some((e) => e.from === 'runtime' && e.to === 'outbox'), 'runtime imports the outbox');
  t.ok(all.length > 50, `found ${all.length} cross-area imports`);
});

t.test('only agent/config/environment.ts reads process.env', async (t) => {
  const readers = tsFiles(agentDir)
    .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '')))
    .map((f) => relative(agentDir, f));
  t.same(readers, ['config/environment.ts'], 'pass environment values in from config/environment.ts');
});
