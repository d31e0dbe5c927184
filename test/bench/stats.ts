/** Percentiles and formatting for benchmark scripts. */

/** The q-th quantile (0..1) of `values` by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] as number;
}

/** p50 and p95 of a sample, in the sample's unit. */
export function summarize(values: readonly number[]): { p50: number; p95: number; mean: number; n: number } {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return { p50: quantile(values, 0.5), p95: quantile(values, 0.95), mean, n: values.length };
}

/** A fixed-width table row. */
export function row(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells.map((c, i) => {
    const s = typeof c === 'number' ? c.toFixed(3) : c;
    return i === 0 ? s.padEnd(widths[i] ?? 12) : s.padStart(widths[i] ?? 12);
  }).join(' ');
}
