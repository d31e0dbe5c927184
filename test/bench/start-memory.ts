/**
 * The memory of `npm start` (issue 17, item 5): the built-in demo (files source over
 * /work/shared/images at 5 frames/s, person model, embedded broker and subscriber) as `npm start`
 * runs it now (bin/start.js: the compiled dist/ bundle with the device's node settings) against
 * the sources through tsx (`node bin/edge-agent.js run`, what `npm start` ran before). RSS of the
 * agent's process (VmRSS) sampled every 5 s from "agent running" for `warmUpSeconds`; the last
 * sample is "after warm-up". Cases alternate; the load average is printed beside each.
 * Target: npm start <= 150 MB after warm-up.
 * Run alone: node --import tsx test/bench/start-memory.ts [warmUpSeconds] [rounds]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';

/** One run of the demo. */
export interface StartMemoryRow {
  mode: 'npm start (dist)' | 'tsx sources';
  rssAfterWarmUpMb: number;
  maxRssMb: number;
  samplesMb: number[];
  loadAverage: number;
}

const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The process running the agent: bin/start.js's only child, or the process itself under tsx. */
function agentPid(pid: number, mode: StartMemoryRow['mode']): number {
  if (mode === 'tsx sources') return pid;
  const children = `/proc/${pid}/task/${pid}/children`;
  const first = existsSync(children) ? readFileSync(children, 'utf8').trim().split(/\s+/)[0] : undefined;
  if (first === undefined || first === '') throw new Error(`bin/start.js (pid ${pid}) has no child process; expected the agent`);
  return Number(first);
}

async function runDemo(mode: StartMemoryRow['mode'], warmUpSeconds: number): Promise<StartMemoryRow> {
  const args = mode === 'npm start (dist)' ? [join(repoRoot, 'bin', 'start.js'), '--no-status', '--health-port', '0'] : [join(repoRoot, 'bin', 'edge-agent.js'), 'run', '--no-status', '--health-port', '0'];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('"msg":"agent running"')) resolve();
      });
      child.on('exit', () => reject(new Error(`demo (${mode}) exited before running: ${stderr.slice(-2000)}`)));
    });
    const pid = agentPid(child.pid as number, mode);
    const samples: number[] = [];
    for (let s = 0; s < warmUpSeconds; s += 5) {
      await new Promise((r) => setTimeout(r, 5000));
      samples.push(rssOf(pid));
    }
    return { mode, rssAfterWarmUpMb: mb(samples.at(-1) as number), maxRssMb: mb(Math.max(...samples)), samplesMb: samples.map(mb), loadAverage: loadavg()[0] as number };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

/** Alternates the two ways of running the demo, `rounds` times each. */
export async function runStartMemoryBench(options: { warmUpSeconds?: number; rounds?: number } = {}): Promise<StartMemoryRow[]> {
  const rows: StartMemoryRow[] = [];
  for (let round = 0; round < (options.rounds ?? 2); round++) {
    const order: StartMemoryRow['mode'][] = round % 2 === 0 ? ['npm start (dist)', 'tsx sources'] : ['tsx sources', 'npm start (dist)'];
    for (const mode of order) rows.push(await runDemo(mode, options.warmUpSeconds ?? 60));
  }
  return rows;
}

/** One line per run. */
export function formatStartMemoryBench(rows: readonly StartMemoryRow[]): string {
  return rows.map((r) => `  ${r.mode.padEnd(17)} RSS after warm-up ${r.rssAfterWarmUpMb} MB (max ${r.maxRssMb} MB; every 5 s: ${r.samplesMb.join(' ')}), load average ${r.loadAverage.toFixed(1)}`).join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runStartMemoryBench({
    ...(process.argv[2] ? { warmUpSeconds: Number(process.argv[2]) } : {}),
    ...(process.argv[3] ? { rounds: Number(process.argv[3]) } : {}),
  });
  console.log(formatStartMemoryBench(rows));
}
