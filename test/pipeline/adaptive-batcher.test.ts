import t from 'tap';
import { AdaptiveBatcher } from '../../agent/pipeline/adaptive-batcher.js';

/** A run function whose batches the test releases one by one (a session cannot be paused on demand). */
function gatedRun() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: readonly number[]) => {
    batches.push([...items]);
    await new Promise<void>((r) => gates.push(r));
    if (items.includes(13)) throw new Error('batch with 13 failed');
    return items.map((i) => (i < 0 ? new Error(`item ${i} failed alone`) : i * 10));
  };
  const waitFor = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setImmediate(r));
  };
  return { batches, gates, run, waitFor };
}

t.test('frames waiting when a batch ends go together, up to maxBatch, each getting its own result', async (t) => {
  const g = gatedRun();
  const b = new AdaptiveBatcher(g.run, { maxBatch: 3, maxWaitMs: 0 });
  const first = b.submit(1);
  await g.waitFor(() => g.batches.length === 1);
  const rest = [2, 3, 4, 5].map((i) => b.submit(i));
  g.gates.shift()?.();
  t.equal(await first, 10);
  await g.waitFor(() => g.batches.length === 2);
  t.same(g.batches[1], [2, 3, 4], 'the waiting frames, bounded by maxBatch');
  g.gates.shift()?.();
  await g.waitFor(() => g.batches.length === 3);
  g.gates.shift()?.();
  t.same(await Promise.all(rest), [20, 30, 40, 50], 'results are not crossed');
  t.same(g.batches, [[1], [2, 3, 4], [5]]);
  t.same(b.counts, { batches: 3, items: 5, failedBatches: 0, largestBatch: 3 });
});

t.test('a failed batch fails only its own frames; an item error fails only that item', async (t) => {
  const g = gatedRun();
  const b = new AdaptiveBatcher(g.run, { maxBatch: 4, maxWaitMs: 0 });
  const first = b.submit(13);
  await g.waitFor(() => g.batches.length === 1);
  const next = [b.submit(7), b.submit(-1), b.submit(8)];
  g.gates.shift()?.();
  await t.rejects(first, /batch with 13 failed/);
  await g.waitFor(() => g.batches.length === 2);
  g.gates.shift()?.();
  const settled = await Promise.allSettled(next);
  t.same(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
  t.equal((settled[0] as PromiseFulfilledResult<number>).value, 70);
  t.match((settled[1] as PromiseRejectedResult).reason, /item -1 failed alone/);
  t.equal(b.counts.failedBatches, 1);
  await b.drained();
});

t.test('with maxWaitMs an idle batcher waits for the batch to fill, and starts as soon as it is full', async (t) => {
  const g = gatedRun();
  // A wait far longer than any test: the batch can only start because it filled.
  const b = new AdaptiveBatcher(g.run, { maxBatch: 2, maxWaitMs: 600_000 });
  const a = b.submit(1);
  await new Promise((r) => setImmediate(r));
  t.equal(g.batches.length, 0, 'one frame waits for a second');
  const c = b.submit(2);
  await g.waitFor(() => g.batches.length === 1);
  t.same(g.batches[0], [1, 2]);
  g.gates.shift()?.();
  t.same(await Promise.all([a, c]), [10, 20]);
});

t.test('with maxWaitMs a lone frame still runs once the bound passes', async (t) => {
  const g = gatedRun();
  const b = new AdaptiveBatcher(g.run, { maxBatch: 4, maxWaitMs: 5 });
  const a = b.submit(3);
  await g.waitFor(() => g.batches.length === 1);
  g.gates.shift()?.();
  t.equal(await a, 30);
  t.same(g.batches, [[3]]);
});
