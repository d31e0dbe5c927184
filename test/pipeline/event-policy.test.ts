import t from 'tap';
import { crossing, insidePolygon } from '../../agent/pipeline/geometry.js';
import { ReportPolicy, type ReportPolicyOptions } from '../../agent/pipeline/report-policy.js';
import type { EventRecord } from '../../agent/results/event-record.js';
import type { DetectionRecord, Detection } from '../../agent/results/result-record.js';
import { detectionRecord, standingAt } from './helpers/records.js';

const W = 1000;
const H = 1000;
const FRAME = { width: W, height: H, modelId: 'm' };
const record = (seq: number, atMs: number, detections: Detection[]): DetectionRecord => detectionRecord(seq, atMs, detections, FRAME);


const at = (x: number, y: number, label = 'person', score = 0.9): Detection => standingAt(x, y, FRAME, label, score);

function policy(over: Partial<ReportPolicyOptions> = {}): ReportPolicy {
  return new ReportPolicy({
    policy: 'events', heartbeatSeconds: 10, minScore: 0,
    tracking: { enabled: true, minHits: 2, maxMissedFrames: 2, minIou: 0.1, highScore: 0.5 },
    scene: {
      zones: [
        { name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 },
        { name: 'bay', polygon: [[0.7, 0.5], [0.9, 0.5], [0.9, 0.9], [0.7, 0.9]], labels: ['person'], minDwellMs: 3000 },
      ],
      lines: [{ name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: undefined }],
    },
    ...over,
  });
}

/** Runs `path` (one position or none per second) through `p`; returns every event. */
function run(p: ReportPolicy, path: (Detection | undefined)[]): EventRecord[] {
  return path.flatMap((d, i) => p.apply(record(i, i * 1000, d === undefined ? [] : [d]), i * 1000).events);
}

t.test('geometry: inside the polygon and crossing direction', async (t) => {
  const square = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] as const;
  t.equal(insidePolygon([0.75, 0.5], square), true);
  t.equal(insidePolygon([0.25, 0.5], square), false);
  t.equal(crossing([0.4, 0.5], [0.6, 0.5], [0.5, 0], [0.5, 1]), 'forward', 'left to right across a top-to-bottom line is forward');
  t.equal(crossing([0.6, 0.5], [0.4, 0.5], [0.5, 0], [0.5, 1]), 'backward');
  t.equal(crossing([0.4, 0.5], [0.6, 0.5], [0.5, 0], [0.5, 0.3]), undefined, 'passing beyond the segment\'s end is no crossing');
  t.equal(crossing([0.5, 0.8], [0.5, 0.9], [0.0, 0.5], [1, 0.5]), undefined, 'moving down below a left-to-right line is no crossing');
  t.equal(crossing([0.5, 0.6], [0.5, 0.4], [0.0, 0.5], [1, 0.5]), 'forward', 'moving up across a left-to-right line is forward');
});

t.test('walk right through the bay and back: start, zone entries and exits with dwell, both crossings, end', async (t) => {
  const p = policy();
  const path: (Detection | undefined)[] = [0.3, 0.4, 0.45, 0.55, 0.65, 0.75, 0.8, 0.8, 0.8, 0.8, 0.7, 0.6, 0.45, 0.35].map((x) => at(x, 0.7));
  path.push(undefined, undefined, undefined);
  const events = run(p, path);
  const summary = events.map((e) => [e.type, ...(e.changes ?? []).map((c) => ('zone' in c ? `${c.type}:${c.zone}` : 'line' in c ? `${c.line}:${c.direction}` : c.type))].join(' '));
  t.same(summary, [
    'start',
    'update zone-entered:right middle:forward', // one step from 0.45 to 0.55: both in one update
    'update zone-entered:bay', // at 0.75 from t = 5 s; counted after 3 s of dwell, at t = 8 s
    'update zone-left:bay',
    'update zone-left:right middle:backward',
    'end',
  ]);
  const bay = events.find((e) => e.changes?.some((c) => 'zone' in c && c.zone === 'bay'));
  t.equal(bay?.at, new Date(8000).toISOString(), 'bay entered after 3 s inside');
  const end = events[events.length - 1] as EventRecord;
  t.same([end.reason, end.zones, end.zonesEntered, end.lineCrossings], ['lost', [], ['right', 'bay'], [{ line: 'middle', forward: 1, backward: 1 }]]);
  t.equal(end.startedAt, new Date(0).toISOString());
  t.equal(end.endedAt, new Date(13_000).toISOString(), 'last seen at 13 s');
  t.equal(end.durationMs, 13_000);
  t.equal(new Set(events.map((e) => e.resultId)).size, events.length, 'every event has its own id');
});

t.test('label filters: a dog is not counted in the people-only bay', async (t) => {
  const events = run(policy(), [0.8, 0.8, 0.8, 0.8, 0.8, 0.8].map((x) => at(x, 0.7, 'dog')));
  t.same(events[0]?.zones, ['right'], 'start: already in the right half');
  t.notOk(events.some((e) => e.zonesEntered.includes('bay')), 'never in the bay');
});

t.test('a standing person gets a periodic update every heartbeatSeconds; shutdown ends open tracks', async (t) => {
  const p = policy();
  const events = run(p, Array.from({ length: 25 }, () => at(0.2, 0.5)));
  t.same(events.map((e) => e.type), ['start', 'update', 'update'], 'start at 1 s, updates at 11 s and 21 s');
  t.same(events[1]?.changes, [{ type: 'periodic' }]);
  t.equal(p.trackedObjects, 1);
  const closing = p.close(99_000);
  t.same(closing.map((e) => [e.type, e.reason, e.at]), [['end', 'shutdown', new Date(99_000).toISOString()]]);
  t.same(p.close(100_000), [], 'ended once only');
});

t.test('events policy keeps no per-frame result; every policy keeps results with trackId', async (t) => {
  const ev = policy();
  const out = ev.apply(record(0, 0, [at(0.2, 0.5)]), 0);
  t.equal(out.record, undefined);
  const every = new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0, tracking: { enabled: true, minHits: 1, maxMissedFrames: 1, minIou: 0.1, highScore: 0.5 } });
  const kept = every.apply(record(0, 0, [at(0.2, 0.5)]), 0).record as DetectionRecord;
  t.match(kept.detections[0]?.trackId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  const off = new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0 });
  t.notOk('trackId' in ((off.apply(record(0, 0, [at(0.2, 0.5)]), 0).record as DetectionRecord).detections[0] ?? {}), 'no tracker: detections unchanged');
});
