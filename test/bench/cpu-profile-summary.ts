/**
 * Reads a V8 CPU profile (`node --cpu-prof`) of the agent's main thread and says where the event
 * loop's time went: self time per function, and, for the long busy stretches that make the
 * event-loop delay (consecutive samples with no idle between them), which stacks ran inside them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** What the summary found. */
export interface CpuProfileSummary {
  seconds: number;
  busyShare: number;
  /** Busy stretches of at least `longMs`, and the ms they held the loop in all. */
  longStretches: number;
  longStretchMs: number;
  text: string;
}

/** Busy stretches at least this long count as holding the loop. */
const longMs = 20;

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url === '' ? '' : ` ${f.url.replace(/^.*\/(node_modules\/[^/]+|agent|dist|node:[^/]*)\//, '$1/')}:${f.lineNumber + 1}`;
  return `${f.functionName === '' ? '(anonymous)' : f.functionName}${file}`;
}

/** Summarizes one profile file. */
export function summarizeCpuProfile(path: string, top = 15): CpuProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const self = new Map<string, number>();
  const inLong = new Map<string, number>();
  let busyUs = 0;
  let stretch: { id: number; us: number }[] = [];
  let longStretches = 0;
  let longUs = 0;
  /** The leaf and up to two callers: enough to tell a SQLite insert from a metrics update. */
  const signature = (id: number): string => {
    const names: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined && names.length < 3; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n === undefined || n.callFrame.functionName === '(root)') break;
      names.push(frameName(n));
    }
    return names.join(' < ');
  };
  const closeStretch = () => {
    const us = stretch.reduce((s, x) => s + x.us, 0);
    if (us >= longMs * 1000) {
      longStretches++;
      longUs += us;
      for (const x of stretch) {
        const key = signature(x.id);
        inLong.set(key, (inLong.get(key) ?? 0) + x.us);
      }
    }
    stretch = [];
  };
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    // A sample's time is the delta to the next one.
    const us = p.timeDeltas[i + 1] ?? 0;
    if (idle.has(id)) {
      closeStretch();
      continue;
    }
    busyUs += us;
    stretch.push({ id, us });
    const key = frameName(byId.get(id) as ProfileNode);
    self.set(key, (self.get(key) ?? 0) + us);
  }
  closeStretch();
  const seconds = (p.endTime - p.startTime) / 1e6;
  const rows = (m: Map<string, number>, total: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  const text = [
    `main thread: ${seconds.toFixed(1)} s profiled, busy ${(busyUs / 1e6).toFixed(1)} s (${((100 * busyUs) / 1e6 / seconds).toFixed(1)}%); ${longStretches} busy stretches >= ${longMs} ms holding the loop ${(longUs / 1000).toFixed(0)} ms in all`,
    'self time, whole run:',
    ...rows(self, busyUs),
    `inside the stretches >= ${longMs} ms (leaf < caller < caller):`,
    ...rows(inLong, Math.max(1, longUs)),
  ].join('\n');
  return { seconds, busyShare: busyUs / 1e6 / seconds, longStretches, longStretchMs: longUs / 1000, text };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) console.log(summarizeCpuProfile(file, 25).text);
}
