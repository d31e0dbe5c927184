/** The readable form of result records for `--pretty`. */
import type { ResultRecord } from '../results/result-record.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** One block per image: its size and timing, then one row per detection or class. */
export function formatResultTable(results: readonly { file: string; record: ResultRecord }[]): string {
  const lines: string[] = [];
  for (const { file, record } of results) {
    const t = record.timing;
    lines.push(`${file}  ${record.frame.width}x${record.frame.height}  model ${record.model.id}@${record.model.version} on ${record.provider}  pre ${t.preprocessMs.toFixed(1)} ms, run ${t.inferenceMs.toFixed(1)} ms, post ${t.postprocessMs.toFixed(1)} ms`);
    if ('detections' in record) {
      if (record.detections.length === 0) lines.push('  (no detections)');
      else lines.push(`  ${pad('label', 12)}${pad('score', 8)}${pad('x', 8)}${pad('y', 8)}${pad('width', 8)}height`);
      for (const d of record.detections) {
        const b = d.box;
        lines.push(`  ${pad(d.label, 12)}${pad(d.score.toFixed(3), 8)}${pad(b.x.toFixed(0), 8)}${pad(b.y.toFixed(0), 8)}${pad(b.width.toFixed(0), 8)}${b.height.toFixed(0)}`);
      }
    } else {
      if (record.classes.length === 0) lines.push('  (no class above the threshold)');
      for (const c of record.classes) lines.push(`  ${pad(c.label, 24)}${c.score.toFixed(3)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
