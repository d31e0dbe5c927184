/**
 * Acknowledged row ids arrive mostly in order and mostly consecutive (the drainer sends oldest
 * first), so a set of them is described by a few [first, last] runs. The outbox writes each run
 * with one range statement instead of one statement per row.
 */

/** Sorted, de-duplicated runs of consecutive integers covering exactly `ids`. */
export function consecutiveRuns(ids: readonly number[]): [number, number][] {
  const sorted = Float64Array.from(ids).sort();
  const runs: [number, number][] = [];
  let first = Number.NaN;
  let last = Number.NaN;
  for (const id of sorted) {
    if (id === last || id === last + 1) {
      last = id;
      continue;
    }
    if (!Number.isNaN(first)) runs.push([first, last]);
    first = id;
    last = id;
  }
  if (!Number.isNaN(first)) runs.push([first, last]);
  return runs;
}
