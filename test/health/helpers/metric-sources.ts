/**
 * What the metrics tests read instead of calling metric methods: the metric table of
 * docs/health.md, and which `AgentMetrics` method writes which metric (read from the source of
 * agent/health/metrics.ts, so a new metric or method needs no list kept by hand).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../helpers/shared.js';

/** One row of the metric table in docs/health.md. */
export interface DocumentedMetric {
  name: string;
  type: string;
  labels: string[];
}

/** The rows of docs/health.md's metric table (`| \`edge_agent_...\` | type | labels | meaning |`). */
export function documentedMetrics(): DocumentedMetric[] {
  const doc = readFileSync(join(repoRoot, 'docs', 'health.md'), 'utf8');
  const rows: DocumentedMetric[] = [];
  for (const line of doc.split('\n')) {
    const m = /^\| `(edge_agent_[a-z0-9_]+)` \| ([a-z]+) \|([^|]*)\|/.exec(line);
    if (m === null) continue;
    const labels = m[3]!.split(',').map((l) => l.trim()).filter((l) => l !== '');
    rows.push({ name: m[1]!, type: m[2]!, labels });
  }
  return rows;
}

/**
 * Metric name -> the `AgentMetrics` methods whose body writes it (`.inc(`, `.set(`, `.observe(`,
 * `.remove(`), read from agent/health/metrics.ts.
 */
export function writersByMetric(): Map<string, string[]> {
  const source = readFileSync(join(repoRoot, 'agent', 'health', 'metrics.ts'), 'utf8');
  const metricOfVariable = new Map<string, string>();
  for (const m of source.matchAll(/const (\w+) = new (?:Counter|Gauge|Histogram)\(\{\s*name: '([^']+)'/g)) metricOfVariable.set(m[1]!, m[2]!);
  const body = source.slice(source.indexOf('return Object.freeze({'));
  const writers = new Map<string, string[]>();
  // One method per `    name: (...) =>` entry; its body runs to the next entry.
  const entries = [...body.matchAll(/^ {4}(\w+): /gm)];
  entries.forEach((entry, i) => {
    const text = body.slice(entry.index, entries[i + 1]?.index ?? body.length);
    for (const w of text.matchAll(/(\w+)\.(?:inc|set|observe|remove)\(/g)) {
      const metric = metricOfVariable.get(w[1]!);
      if (metric === undefined) continue;
      const list = writers.get(metric) ?? [];
      if (!list.includes(entry[1]!)) list.push(entry[1]!);
      writers.set(metric, list);
    }
  });
  return writers;
}

/** Every .ts file under agent/ (paths relative to the repository) with its text. */
export function agentSources(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push({ path: relative(repoRoot, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(join(repoRoot, 'agent'));
  return out;
}
