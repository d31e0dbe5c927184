/**
 * The `counts` report policy on scripted detections: interval alignment, distinct tracks per
 * label, zones (with dwell and label filters), line directions, the most seen at once, empty
 * intervals, the partial first and last intervals, and the catch-up bound.
 */
import t from 'tap';
import { MAX_CATCH_UP_INTERVALS } from '../../agent/pipeline/count-policy.js';
import { ReportPolicy, type ReportPolicyOptions } from '../../agent/pipeline/report-policy.js';
import type { CountRecord } from '../../agent/results/count-record.js';
import type { Detection, DetectionRecord } from '../../agent/results/result-record.js';
import { detectionRecord, standingAt } from './helpers/records.js';

const W = 1000;
const H = 1000;
const FRAME = { width: W, height: H, modelId: 'm' };
const record = (seq: number, atMs: number, detections: Detection[]): DetectionRecord => detectionRecord(seq, atMs, detections, FRAME);

/** 2024-05-01T10:00:00Z, on a minute and on a 10 s boundary. */
const T0 = Date.parse('2024-05-01T10:00:00Z');

const at = (x: number, y: number, label = 'person'): Detection => standingAt(x, y, FRAME, label);

function policy(over: Partial<ReportPolicyOptions> = {}): ReportPolicy {
  return new ReportPolicy({
    policy: 'counts', heartbeatSeconds: 60, minScore: 0, intervalSeconds: 10,
    tracking: { enabled: false, minHits: 2, maxMissedFrames: 2, minIou: 0.1, highScore: 0.5 },
    scene: {
      zones: [
        { name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 },
        { name: 'bay', polygon: [[0.7, 0.5], [0.95, 0.5], [0.95, 0.95], [0.7, 0.95]], labels: ['person'], minDwellMs: 3000 },
      ],
      lines: [{ name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: undefined }],
    },
    ...over,
  });
}

/** Feeds one frame per second from `startMs`, frame i holding `frames[i]`; returns the count records that came out. */
function run(p: ReportPolicy, startMs: number, frames: Detection[][]): CountRecord[] {
  return frames.flatMap((dets, i) => p.apply(record(i, startMs + i * 1000, dets), startMs + i * 1000).counts);
}

t.test('intervals are aligned to multiples of the interval; the first is partial when the policy began inside one', async (t) => {
  const p = policy();
  t.same(p.recovered(T0 + 3500), [], 'no events to recover');
  const out = run(p, T0 + 4000, Array.from({ length: 20 }, () => []));
  t.same(out.map((c) => [c.intervalStart, c.intervalEnd, c.partial, c.partialReason]), [
    ['2024-05-01T10:00:03.500Z', '2024-05-01T10:00:10.000Z', true, 'started'],
    ['2024-05-01T10:00:10.000Z', '2024-05-01T10:00:20.000Z', false, undefined],
  ], 'one partial interval from the start, then a whole one; each starts where the previous ended');
  t.same(out.map((c) => c.framesInferred), [6, 10]);
  t.same(out.map((c) => [c.labels, c.zones, c.lines]), [[[], [], []], [[], [], []]], 'nothing seen, still sent');
  const first = out[0] as CountRecord;
  t.equal(first.kind, 'counts');
  t.equal(first.camera, 'door');
  t.equal(first.intervalSeconds, 10);
  t.same(first.model, { id: 'm', version: '1', sha256: 'a'.repeat(64) });
  t.match(first.resultId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  t.not(first.resultId, out[1]?.resultId);
});

t.test('distinct tracks per label, zones with dwell and label filters, line directions, most at once', async (t) => {
  const p = policy();
  p.recovered(T0);
  // Person A walks right across the middle line (x 0.3 -> 0.8) and stands in the bay 4 s;
  // person B stands on the left; a dog walks left across the line (x 0.7 -> 0.3).
  const frames: Detection[][] = [];
  for (let s = 0; s < 10; s++) {
    const a = at(Math.min(0.3 + s * 0.1, 0.8), 0.8);
    const b = at(0.1, 0.6);
    const dog = at(Math.max(0.9 - (s - 2) * 0.1, 0.3), 0.3, 'dog');
    frames.push(s < 2 ? [a] : [a, b, dog]);
  }
  const out = run(p, T0, [...frames, []]);
  t.equal(out.length, 1, 'the interval closed when a frame came after it');
  const c = out[0] as CountRecord;
  t.equal(c.partial, false, 'began on a boundary: a whole interval');
  t.same(c.labels, [{ label: 'dog', tracks: 1, maxAtOnce: 1 }, { label: 'person', tracks: 2, maxAtOnce: 2 }]);
  // A reaches x 0.8 at s = 5 and stays: in the bay from s = 5, 3 s of dwell pass at s = 8.
  t.same(c.zones, [{ zone: 'bay', label: 'person', tracks: 1 }, { zone: 'right', label: 'dog', tracks: 1 }, { zone: 'right', label: 'person', tracks: 1 }], 'the bay counts only people, after their dwell; the dog was right of the middle before crossing');
  t.same(c.lines, [{ line: 'middle', label: 'dog', forward: 0, backward: 1 }, { line: 'middle', label: 'person', forward: 1, backward: 0 }], 'left to right is forward, right to left backward');
});

t.test('a track spanning two intervals counts in both; crossings count in the interval they happen in', async (t) => {
  const p = policy();
  p.recovered(T0);
  const frames = Array.from({ length: 20 }, (_, s) => [at(0.05 + s * 0.05, 0.8)]); // crosses x = 0.5 at s = 9..10
  const out = run(p, T0, [...frames, []]);
  t.equal(out.length, 2);
  t.same(out.map((c) => c.labels), [[{ label: 'person', tracks: 1, maxAtOnce: 1 }], [{ label: 'person', tracks: 1, maxAtOnce: 1 }]]);
  t.same(out.map((c) => c.lines.reduce((n, l) => n + l.forward + l.backward, 0)), [0, 1], 'one crossing, in the second interval');
});

t.test('intervals with no frame at all are sent by dueCounts, and stop sends the partial last one', async (t) => {
  const p = policy();
  p.recovered(T0 + 2000);
  t.same(run(p, T0 + 2000, [[at(0.2, 0.8)], [at(0.2, 0.8)]]).length, 0);
  t.same(p.dueCounts(T0 + 9999), [], 'nothing ended yet');
  const due = p.dueCounts(T0 + 35_000);
  t.same(due.map((c) => [c.intervalStart.slice(11), c.intervalEnd.slice(11), c.partial, c.framesInferred, c.labels.length]), [
    ['10:00:02.000Z', '10:00:10.000Z', true, 2, 1],
    ['10:00:10.000Z', '10:00:20.000Z', false, 0, 0],
    ['10:00:20.000Z', '10:00:30.000Z', false, 0, 0],
  ], 'the camera went quiet: empty intervals still come');
  t.same(p.dueCounts(T0 + 35_000), [], 'each once');
  p.skipped(T0 + 36_000);
  t.same(p.close(T0 + 37_250), [], 'counts make no events');
  const last = p.dueCounts(T0 + 37_250);
  t.same(last.map((c) => [c.intervalStart.slice(11), c.intervalEnd.slice(11), c.partial, c.partialReason, c.framesSkipped]), [['10:00:30.000Z', '10:00:37.250Z', true, 'shutdown', 1]]);
  t.same(p.dueCounts(T0 + 99_000), [], 'nothing after the last');
  t.same(p.apply(record(9, T0 + 99_000, [at(0.2, 0.8)]), T0 + 99_000).counts, [], 'a frame in flight after close counts nowhere');
});

t.test('a reconfiguration ends the interval with reason reconfigured; the new policy starts where it ended', async (t) => {
  const old = policy();
  old.recovered(T0);
  run(old, T0, [[at(0.2, 0.8)], [at(0.2, 0.8)], [at(0.2, 0.8)]]);
  old.close(T0 + 4200, 'reconfigured');
  const fresh = policy();
  fresh.recovered(T0 + 4200);
  const ended = old.dueCounts(T0 + 4200);
  const started = fresh.dueCounts(T0 + 10_000);
  t.same(ended.map((c) => [c.intervalEnd.slice(11), c.partialReason, c.labels]), [['10:00:04.200Z', 'reconfigured', [{ label: 'person', tracks: 1, maxAtOnce: 1 }]]]);
  t.same(started, [], 'no frame yet: the new policy does not know its model');
  t.same(run(fresh, T0 + 10_000, [[]]).map((c) => [c.intervalStart.slice(11), c.intervalEnd.slice(11), c.partialReason]), [['10:00:04.200Z', '10:00:10.000Z', 'started']], 'held until the first frame named the model, then sent');
});

t.test('a clock jump of more intervals than the bound skips them instead of sending each', async (t) => {
  const p = policy({ intervalSeconds: 1 });
  p.recovered(T0);
  run(p, T0, [[]]);
  const jump = p.dueCounts(T0 + (MAX_CATCH_UP_INTERVALS + 5) * 1000 + 500);
  t.equal(jump.length, 1, 'only the interval that was open');
  const after = [...run(p, T0 + (MAX_CATCH_UP_INTERVALS + 6) * 1000, [[]]), ...p.dueCounts(T0 + (MAX_CATCH_UP_INTERVALS + 7) * 1000)];
  t.same(after.map((c) => c.intervalStart), [new Date(T0 + (MAX_CATCH_UP_INTERVALS + 5) * 1000).toISOString(), new Date(T0 + (MAX_CATCH_UP_INTERVALS + 6) * 1000).toISOString()], 'counting goes on from the current interval; the time gap shows what was skipped');
  const small = policy({ intervalSeconds: 1 });
  small.recovered(T0);
  run(small, T0, [[]]);
  t.equal(small.dueCounts(T0 + 50_000).length, 50, 'a smaller gap: every empty interval is sent');
});

t.test('counts without intervalSeconds is a caller bug', async (t) => {
  t.throws(() => new ReportPolicy({ policy: 'counts', heartbeatSeconds: 60, minScore: 0 }), /intervalSeconds/);
});
