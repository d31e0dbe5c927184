/**
 * A grouped horizontal bar chart as SVG text (no plotting dependency): one bar per variant
 * showing p50, with a thin mark at p95, grouped by model. Used for docs/img/latency-per-variant.svg.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One bar of the chart. */
export interface LatencyBar {
  readonly group: string;
  readonly label: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SVG text of the chart. */
export function latencySvg(bars: readonly LatencyBar[], title: string): string {
  const left = 330;
  const plotWidth = 420;
  const barHeight = 18;
  const gap = 6;
  const groupGap = 22;
  const top = 50;
  const max = Math.max(1, ...bars.map((b) => b.p95Ms));
  const tick = niceStep(max / 5);
  const scale = plotWidth / (Math.ceil(max / tick) * tick);
  const parts: string[] = [];
  let y = top;
  let group: string | undefined;
  for (const b of bars) {
    if (b.group !== group) {
      if (group !== undefined) y += groupGap;
      group = b.group;
      parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(b.group)}</text>`);
      y += barHeight + gap;
    }
    const w = b.p50Ms * scale;
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${b.label.startsWith('float') ? '#7a8fa6' : '#3b7dd8'}"/>`);
    const x95 = left + b.p95Ms * scale;
    parts.push(`<line x1="${x95.toFixed(1)}" y1="${y - 2}" x2="${x95.toFixed(1)}" y2="${y + barHeight + 2}" stroke="#c0392b" stroke-width="2"/>`);
    parts.push(`<text x="${(Math.max(w, b.p95Ms * scale) + left + 6).toFixed(1)}" y="${y + 13}">${b.p50Ms.toFixed(1)} / ${b.p95Ms.toFixed(1)} ms</text>`);
    y += barHeight + gap;
  }
  const axisY = y + 4;
  const ticks: string[] = [];
  for (let v = 0; v * scale <= plotWidth + 0.5; v += tick) {
    const x = left + v * scale;
    ticks.push(`<line x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${axisY}" stroke="#ddd"/><text x="${x.toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${Number(v.toFixed(3))}</text>`);
  }
  const height = axisY + 50;
  const width = left + plotWidth + 140;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...ticks,
    ...parts,
    `<text x="${left + plotWidth / 2}" y="${axisY + 34}" text-anchor="middle">ms per session.run (bar: p50, red mark: p95)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes the chart to `path`, creating its folder. */
export async function writeLatencyPlot(bars: readonly LatencyBar[], path: string, title: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, latencySvg(bars, title));
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
