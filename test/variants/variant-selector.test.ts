import t from 'tap';
import { VariantSelector, type MeasuredCandidate, type VariantSelectorOptions } from '../../agent/variants/variant-selector.js';

const MiB = 1 << 20;
// Float is accurate but slow, int8 faster, the small-input int8 fastest.
const candidates: MeasuredCandidate[] = [
  { id: 'float', rank: 0, fileBytes: 40 * MiB, p50Ms: 80, p95Ms: 90 },
  { id: 'int8', rank: 1, fileBytes: 10 * MiB, p50Ms: 45, p95Ms: 50 },
  { id: 'int8-small', rank: 2, fileBytes: 5 * MiB, p50Ms: 20, p95Ms: 25 },
];

/** A selector on a fake clock; `feed` observes `frames` latencies, one frame every `frameMs`. */
function harness(options: Partial<VariantSelectorOptions> = {}, measured = candidates) {
  let now = 0;
  const selector = new VariantSelector(measured, {
    frameBudgetMs: 100,
    memoryBudgetBytes: 512 * MiB,
    stepDownAfterMs: 10_000,
    stepUpAfterMs: 60_000,
    minFrames: 20,
    windowFrames: 60,
    clock: () => now,
    ...options,
  });
  const feed = (latencyMs: number | ((id: string) => number), frames: number, frameMs = 100) => {
    const switches = [];
    for (let i = 0; i < frames; i++) {
      now += frameMs;
      const ms = typeof latencyMs === 'number' ? latencyMs : latencyMs(selector.current.id);
      const s = selector.observe(ms);
      if (s) switches.push(s);
    }
    return switches;
  };
  return { selector, feed, at: () => now };
}

t.test('starts on the most accurate variant that meets the frame budget', async (t) => {
  t.equal(harness({ frameBudgetMs: 100 }).selector.current.id, 'float');
  t.equal(harness({ frameBudgetMs: 60 }).selector.current.id, 'int8');
  t.equal(harness({ frameBudgetMs: 30 }).selector.current.id, 'int8-small');
  const first = harness({ frameBudgetMs: 60 }).selector.switches[0]!;
  t.same({ from: first.from, to: first.to, reason: first.reason }, { from: null, to: 'int8', reason: 'initial' });
  t.match(first.detail, /60 ms frame budget/);
});

t.test('skips variants whose file x memory factor exceeds the memory budget', async (t) => {
  // 40 MiB x 4 = 160 MiB does not fit 100 MiB; 10 MiB x 4 does.
  const { selector } = harness({ memoryBudgetBytes: 100 * MiB });
  t.equal(selector.current.id, 'int8');
  t.equal(harness({ memoryBudgetBytes: 100 * MiB, memoryFactor: 2 }).selector.current.id, 'float', 'a smaller factor lets float fit');
});

t.test('when nothing meets the budget it runs the fastest; when nothing fits memory, the smallest file', async (t) => {
  const slow = harness({ frameBudgetMs: 10 });
  t.equal(slow.selector.current.id, 'int8-small');
  t.match(slow.selector.switches[0]!.detail, /no variant meets/);
  const tight = harness({ memoryBudgetBytes: 1 * MiB });
  t.equal(tight.selector.current.id, 'int8-small');
  t.match(tight.selector.switches[0]!.detail, /no variant fits the memory budget/);
});

t.test('steps down only after p95 stays over budget for the sustained period', async (t) => {
  const { selector, feed } = harness();
  t.same(feed(150, 99), [], 'under 10 s over budget (99 frames x 100 ms): no switch yet');
  t.equal(selector.current.id, 'float');
  const switches = feed(150, 30);
  t.equal(switches.length, 1);
  t.same({ from: switches[0]!.from, to: switches[0]!.to, reason: switches[0]!.reason }, { from: 'float', to: 'int8', reason: 'over-budget' });
  t.match(switches[0]!.detail, /p95 150 ms over the 100 ms frame budget/);
});

t.test('a short spike does not step down: the over-budget timer restarts when p95 recovers', async (t) => {
  const { selector, feed } = harness({ windowFrames: 20 });
  for (let i = 0; i < 10; i++) {
    t.same(feed(150, 60), []);
    t.same(feed(70, 40), [], 'p95 back under budget resets the timer');
  }
  t.equal(selector.current.id, 'float');
});

t.test('steps back up when the load drops and there is headroom for long enough', async (t) => {
  const { selector, feed } = harness();
  // Twice as slow as measured: float 180 ms, over budget; step down to int8.
  const load2 = (id: string) => 2 * candidates.find((c) => c.id === id)!.p95Ms;
  t.equal(feed(load2, 200).length, 1);
  t.equal(selector.current.id, 'int8');
  // Load gone: int8 at its measured 50 ms predicts float at 90 ms, over 0.75 x 100: stay.
  t.same(feed(50, 2000), [], 'float would use 90% of the budget: no headroom');
  // A lighter scene: int8 at 30 ms predicts float at 54 ms, under 75 ms.
  const ups = feed(30, 700);
  t.equal(ups.length, 1);
  t.same({ from: ups[0]!.from, to: ups[0]!.to, reason: ups[0]!.reason }, { from: 'int8', to: 'float', reason: 'headroom' });
  t.equal(selector.switches.length, 3, 'initial, down, up');
});

t.test('no oscillation: under a steady load between the two variants it stays put for an hour', async (t) => {
  const { selector, feed } = harness();
  // Load 1.3x: float runs at 117 ms (over), int8 at 65 ms, which predicts float at 117 ms.
  let n = 0;
  // Deterministic +-3 % jitter.
  const steady = (id: string) => 1.3 * candidates.find((c) => c.id === id)!.p95Ms * (0.97 + 0.06 * (((n++ * 7919) % 101) / 100));
  feed(steady, 36_000);
  t.same(selector.switches.map((s) => s.to), ['float', 'int8'], 'one step down, then never back up');
});

t.test('no oscillation when the measurement was optimistic: each undone step up doubles the wait', async (t) => {
  // The float measurement says 60 ms but it really runs at 130 ms; int8 runs as measured.
  const optimistic = candidates.map((c) => (c.id === 'float' ? { ...c, p95Ms: 60 } : c));
  const { selector, feed } = harness({}, optimistic);
  const real = (id: string) => (id === 'float' ? 130 : 50);
  feed(real, 6 * 3600 * 10); // six hours at 10 frames a second
  const ups = selector.switches.filter((s) => s.reason === 'headroom');
  const downs = selector.switches.filter((s) => s.reason === 'over-budget');
  t.ok(ups.length >= 2, `it does retry (${ups.length} step ups)`);
  t.ok(ups.length <= 9, `but at most ~log2(6 h / 60 s) times, not every minute (${ups.length})`);
  t.equal(downs.length, ups.length + 1, 'every retry is undone');
  const gaps = ups.slice(1).map((u, i) => u.atMs - ups[i]!.atMs);
  t.ok(gaps.every((g, i) => i === 0 || g > gaps[i - 1]!), `gaps between retries grow: ${gaps.map((g) => Math.round(g / 1000)).join(', ')} s`);
});

t.test('never steps below the least accurate variant or above the most accurate one', async (t) => {
  const { selector, feed } = harness({ frameBudgetMs: 30 });
  t.equal(selector.current.id, 'int8-small');
  t.same(feed(500, 1000), [], 'no lower variant to go to');
  const top = harness();
  t.same(top.feed(1, 2000), [], 'nothing above float');
});

t.test('remeasure chooses afresh and reports the change', async (t) => {
  const { selector } = harness();
  const slower = candidates.map((c) => ({ ...c, p95Ms: c.p95Ms * 1.5 }));
  const s = selector.remeasure(slower);
  t.same({ from: s?.from, to: s?.to, reason: s?.reason }, { from: 'float', to: 'int8', reason: 'remeasured' });
  t.equal(selector.remeasure(slower), undefined, 'same measurements, no switch');
});

t.test('refuses an empty candidate list and a non-positive budget', async (t) => {
  t.throws(() => new VariantSelector([], { frameBudgetMs: 100, memoryBudgetBytes: 1 }), /at least one variant/);
  t.throws(() => new VariantSelector(candidates, { frameBudgetMs: 0, memoryBudgetBytes: 1 }), /frameBudgetMs > 0/);
});
