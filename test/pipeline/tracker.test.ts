import t from 'tap';
import { Tracker, type TrackerOptions } from '../../agent/pipeline/tracker.js';
import type { Detection } from '../../agent/results/result-record.js';

function tracker(over: Partial<TrackerOptions> = {}): Tracker {
  let n = 0;
  return new Tracker({ minHits: 3, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5, newId: () => `T${++n}`, ...over });
}

const det = (x: number, y: number, score = 0.9, w = 40, h = 80, label = 'person'): Detection => ({ label, score, box: { x, y, width: w, height: h } });

/** Id switches: a ground-truth object whose track id changes after it was first given one. */
function idSwitches(ids: (string | undefined)[][]): number {
  let switches = 0;
  const last = new Map<number, string>();
  for (const frame of ids) {
    frame.forEach((id, obj) => {
      if (id === undefined) return;
      const before = last.get(obj);
      if (before !== undefined && before !== id) switches++;
      last.set(obj, id);
    });
  }
  return switches;
}

t.test('a track is confirmed after minHits and ends after maxMissedFrames', async (t) => {
  const tr = tracker();
  t.same(tr.update([det(100, 100)], 0).trackIds, [undefined], 'hit 1: tentative');
  t.same(tr.update([det(105, 100)], 1000).trackIds, [undefined], 'hit 2: tentative');
  const third = tr.update([det(110, 100)], 2000);
  t.same(third.trackIds, ['T1'], 'hit 3: confirmed');
  t.same(third.confirmed.map((x) => x.id), ['T1']);
  for (let i = 0; i < 5; i++) t.same(tr.update([], 3000 + i * 1000).ended, [], `miss ${i + 1} of 5: alive`);
  const end = tr.update([], 9000);
  t.same(end.ended.map((x) => [x.id, x.firstSeenMs, x.lastSeenMs, x.hits]), [['T1', 0, 2000, 3]], 'miss 6 ends it');
  t.equal(tr.size, 0);
});

t.test('a one-frame false detection never becomes a track', async (t) => {
  const tr = tracker();
  tr.update([det(300, 300)], 0);
  tr.update([], 1);
  tr.update([det(300, 300)], 2);
  t.equal(tr.update([det(300, 300)], 3).trackIds[0], undefined, 'the first one was dropped at its miss; this is hit 2 of a new track');
});

t.test('two people crossing keep their ids (constant-velocity prediction through the overlap)', async (t) => {
  const tr = tracker();
  const ids: (string | undefined)[][] = [];
  for (let f = 0; f < 30; f++) {
    // A walks right, B walks left, 10 px lower; they overlap for several frames around f = 15.
    const a = det(20 + f * 20, 100);
    const b = det(620 - f * 20, 110);
    const order = f % 2 === 0 ? [a, b] : [b, a]; // detection order must not matter
    const step = tr.update(order, f * 100);
    const idOf = (d: Detection) => step.trackIds[order.indexOf(d)];
    ids.push([idOf(a), idOf(b)]);
  }
  t.equal(idSwitches(ids), 0, 'no id switch');
  const final = ids[ids.length - 1] as string[];
  t.equal(new Set(final).size, 2, `two distinct ids at the end: ${final.join(', ')}`);
  t.same(ids[2], ['T1', 'T2']);
  t.same(final, ['T1', 'T2'], 'A is still T1, B still T2 after crossing');
});

t.test('an occluded person keeps the id when it reappears where it was heading', async (t) => {
  const tr = tracker();
  const seen: (string | undefined)[] = [];
  for (let f = 0; f < 20; f++) {
    const hidden = f >= 8 && f < 12; // behind a pillar for 4 frames
    const step = tr.update(hidden ? [] : [det(50 + f * 15, 200)], f * 100);
    if (!hidden) seen.push(step.trackIds[0]);
  }
  t.same(new Set(seen.filter((x) => x !== undefined)), new Set(['T1']), 'one id before and after the occlusion');
});

t.test('frames the gate skipped: a person who stopped keeps the id however long the gate skips', async (t) => {
  const tr = tracker();
  for (let f = 0; f < 6; f++) tr.update([det(100 + f * 30, 200)], f * 100);
  // Stopped at x = 250; the gate skips 50 frames; inference comes back (tracked interval).
  for (let i = 0; i < 50; i++) tr.still();
  const back = tr.update([det(250, 200)], 6000);
  t.same(back.trackIds, ['T1'], 'matched where it stopped');
  // Without still(), the prediction would have walked on: check that the velocity really mattered.
  const naive = tracker();
  for (let f = 0; f < 6; f++) naive.update([det(100 + f * 30, 200)], f * 100);
  for (let i = 0; i < 5; i++) naive.update([], 600 + i * 100); // missed, not skipped: the prediction moves on
  t.equal(naive.update([det(250, 200)], 1000).trackIds[0], undefined, 'a prediction that moved on loses a stopped person; still() is what keeps it');
});

t.test('low-score detections keep a track alive (second stage) but start none', async (t) => {
  const tr = tracker();
  for (let f = 0; f < 3; f++) tr.update([det(100 + f * 10, 100)], f);
  const weak = tr.update([det(130, 100, 0.3), det(400, 400, 0.3)], 3);
  t.same(weak.trackIds, ['T1', undefined], 'the weak detection on the track is matched; the lone weak one is not');
  t.equal(tr.size, 1, 'no track from the lone weak detection');
  t.equal(weak.matched[0]?.bestScore, 0.9);
});

t.test('labels are never matched across', async (t) => {
  const tr = tracker({ minHits: 1 });
  t.same(tr.update([det(100, 100, 0.9, 40, 80, 'person')], 0).trackIds, ['T1']);
  t.same(tr.update([det(100, 100, 0.9, 40, 80, 'dog')], 1).trackIds, ['T2'], 'a dog where the person was is another track');
});

t.test('ten objects, 1000 frames: no id switch on parallel paths', async (t) => {
  const tr = tracker();
  const ids: (string | undefined)[][] = [];
  for (let f = 0; f < 1000; f++) {
    const dets = Array.from({ length: 10 }, (_, k) => det(((f * (3 + k)) % 560) + 0, 20 + k * 45, 0.9, 30, 40));
    const step = tr.update(dets, f * 100);
    ids.push(step.trackIds);
  }
  // Objects wrap around from x = 560 to 0: a wrap is a new object, not a switch; count only switches within a pass.
  let switches = 0;
  for (let k = 0; k < 10; k++) {
    for (let f = 1; f < 1000; f++) {
      const wrapped = (f * (3 + k)) % 560 < ((f - 1) * (3 + k)) % 560;
      const a = ids[f - 1]?.[k];
      const b = ids[f]?.[k];
      if (!wrapped && a !== undefined && b !== undefined && a !== b) switches++;
    }
  }
  t.equal(switches, 0, 'no id switch in 10,000 object-frames');
});
