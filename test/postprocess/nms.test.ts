import t from 'tap';
import { nonMaxSuppression } from '../../agent/postprocess/nms.js';
import { iou, type Candidate } from '../../agent/postprocess/candidate.js';

const box = (label: number, score: number, x1: number, y1: number, x2: number, y2: number): Candidate => ({ label, score, x1, y1, x2, y2 });

t.test('iou of identical, disjoint and half-overlapping boxes', async (t) => {
  t.equal(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 0, 0, 10, 10)), 1);
  t.equal(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 20, 20, 30, 30)), 0);
  t.equal(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 5, 0, 15, 10)), 50 / 150);
});

t.test('overlapping boxes of one label collapse to the best; other labels survive', async (t) => {
  const kept = nonMaxSuppression([box(0, 0.6, 1, 1, 11, 11), box(0, 0.9, 0, 0, 10, 10), box(1, 0.5, 0, 0, 10, 10), box(0, 0.7, 50, 50, 60, 60)], 0.5, 10);
  t.same(kept.map((k) => [k.label, k.score]), [[0, 0.9], [0, 0.7], [1, 0.5]]);
});

t.test('boxes below the IoU threshold are both kept; maxKept bounds the result', async (t) => {
  const a = box(0, 0.9, 0, 0, 10, 10);
  const b = box(0, 0.8, 5, 0, 15, 10); // IoU 1/3
  t.equal(nonMaxSuppression([a, b], 0.5, 10).length, 2);
  t.equal(nonMaxSuppression([a, b], 0.3, 10).length, 1);
  t.equal(nonMaxSuppression([a, b], 0.5, 1).length, 1);
});

t.test('empty boxes are dropped', async (t) => {
  t.equal(nonMaxSuppression([box(0, 0.9, 5, 5, 5, 9)], 0.5, 10).length, 0);
});
