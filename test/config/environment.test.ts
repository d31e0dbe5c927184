import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { processEnvironment, readEnvironment } from '../../agent/config/environment.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

t.test('only agent/config/environment.ts reads process.env', async (t) => {
  const offenders = sourceFiles(join(repoRoot, 'agent'))
    .map((file) => relative(repoRoot, file))
    .filter((file) => file !== join('agent', 'config', 'environment.ts'))
    .filter((file) => /process\s*\.\s*env\b|process\s*\[\s*['"]env['"]\s*\]/.test(readFileSync(join(repoRoot, file), 'utf8')));
  t.same(offenders, [], 'these files read the environment themselves; take the values from agent/config/environment.ts');
});

t.test('the environment seen through environment.ts is this process\'s', async (t) => {
  t.equal(processEnvironment()['PATH'], process.env['PATH']);
  t.equal(readEnvironment({ EDGE_AGENT_LOG_LEVEL: '' }).logLevel, undefined, 'an empty variable counts as unset');
  t.equal(readEnvironment({ EDGE_AGENT_LOG_LEVEL: 'debug' }).logLevel, 'debug');
});
