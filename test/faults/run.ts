/**
 * `npm run test:faults`: runs each scenario (test/faults/*.fault.ts) as its own process, one after
 * another (they start real brokers and agents, and a 2-core machine runs one at a time well),
 * prints each one's pass/fail with its figures, and ends with the plain `N passed, N failed` line
 * that .ci/run adds to its summary. `npm run test:faults -- broker-down sigkill` runs a subset.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { RESULT_PREFIX, type ScenarioResult } from './helpers/scenario.js';

const dir = join(repoRoot, 'test', 'faults');
/** A scenario's own deadline ends it; this one only catches a harness that hangs. */
const RUNNER_TIMEOUT_MS = 18 * 60_000;

function runOne(file: string): Promise<ScenarioResult> {
  const name = file.replace(/\.fault\.ts$/, '');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, file)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUNNER_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as ScenarioResult);
        return;
      }
      resolve({ name, ok: false, seconds: 0, figures: {}, checks: [], error: `no result line (exit ${code ?? signal}); stderr ends:\n${stderrTail}` });
    });
  });
}

/** The result line: PASS/FAIL, name, seconds and figures. */
function headline(r: ScenarioResult): string {
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${r.ok ? 'PASS' : 'FAIL'} ${r.name} (${r.seconds} s) ${figures}`;
}

/** The headline, each missed target (`  - `), the error, and with `withLogs` the agents' log tails (`  | `). */
function describe(r: ScenarioResult, withLogs: boolean): string {
  const failed = r.checks.filter((c) => !c.ok).map((c) => `  - ${c.what}${c.detail === '' ? '' : ` (${c.detail})`}`);
  const error = r.error === null ? [] : [`  - error: ${r.error.split('\n').slice(0, 12).join('\n  - ')}`];
  const logs = !withLogs
    ? []
    : (r.logTails ?? []).flatMap((t) => [`  | ${t.label} log, last ${t.lines.length} lines${t.savedTo === null ? '' : ` (whole log: ${t.savedTo})`}:`, ...t.lines.map((l) => `  |   ${l}`)]);
  return [headline(r), ...failed, ...error, ...logs].join('\n');
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.fault.ts'))
    .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.fault\.ts$/, '')))
    .sort();
  if (files.length === 0) {
    console.error(`no scenario matches ${wanted.join(' ')}`);
    return 1;
  }
  const started = Date.now();
  const results: ScenarioResult[] = [];
  for (const file of files) {
    console.log(`# fault scenario ${file}`);
    const r = await runOne(file);
    results.push(r);
    console.log(describe(r, true));
  }
  console.log(`\n# fault suite: ${Math.round((Date.now() - started) / 1000)} s, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const r of results) console.log(describe(r, false));
  const passed = results.filter((r) => r.ok).length;
  console.log(`faults: ${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
