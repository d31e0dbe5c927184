import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPEN_EVENTS_FILE, OpenEventJournal } from '../../agent/pipeline/open-events.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import type { EventRecord } from '../../agent/results/event-record.js';
import type { DetectionRecord, Detection } from '../../agent/results/result-record.js';

function record(seq: number, atMs: number, detections: Detection[], camera = 'door'): DetectionRecord {
  return {
    schemaVersion: 1, resultId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', deviceId: 'dev', provider: 'cpu',
    model: { id: 'm', version: '1', sha256: 'a'.repeat(64) },
    frame: { source: camera, seq, capturedAt: new Date(atMs).toISOString(), width: 1000, height: 1000 },
    timing: { preprocessMs: 0, inferenceMs: 0, postprocessMs: 0 }, detections,
  };
}

const person: Detection = { label: 'person', score: 0.9, box: { x: 700, y: 400, width: 50, height: 100 } };

function policy(journal: OpenEventJournal, camera = 'door'): ReportPolicy {
  return new ReportPolicy({
    policy: 'events', heartbeatSeconds: 10, minScore: 0,
    tracking: { enabled: true, minHits: 2, maxMissedFrames: 2, minIou: 0.1, highScore: 0.5 },
    scene: { zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 }], lines: [] },
    journal: { store: journal, camera, model: 'm' },
  });
}

/** Frames at 0, 1, 2 ... s with the person standing; returns every event. */
function frames(p: ReportPolicy, n: number, camera = 'door'): EventRecord[] {
  return Array.from({ length: n }, (_, i) => p.apply(record(i, i * 1000, [person], camera), i * 1000).events).flat();
}

t.test('a track open when the process dies ends with reason restart in the next run, once', async (t) => {
  const dir = t.testdir();
  const first = policy(OpenEventJournal.open(dir));
  const events = frames(first, 3);
  t.same(events.map((e) => e.type), ['start']);
  const start = events[0] as EventRecord;
  // The process dies here: no close(). The next run reads the journal.
  const journal = OpenEventJournal.open(dir);
  t.equal(journal.stats().open, 1, 'the open track was remembered');
  t.same(policy(journal, 'other').recovered(5000), [], 'another camera does not claim it');
  const second = policy(journal);
  const ends = second.recovered(5000);
  t.equal(ends.length, 1);
  const end = ends[0] as EventRecord;
  t.match(end, { type: 'end', reason: 'restart', trackId: start.trackId, label: 'person', camera: 'door', zones: [], zonesEntered: ['right'], startedAt: start.startedAt, endedAt: start.at, at: new Date(5000).toISOString() });
  t.not(end.resultId, start.resultId, 'the end is a message of its own');
  t.equal(end.durationMs, Date.parse(start.at) - Date.parse(start.startedAt));
  t.equal(end.changes, undefined);
  t.same(second.recovered(6000), [], 'claimed once');
  t.equal(OpenEventJournal.open(dir).stats().open, 0, 'and gone from the file, so a third run sends nothing');
});

t.test('an end that happened forgets the track; shutdown and reconfiguration end open tracks', async (t) => {
  const dir = t.testdir();
  const journal = OpenEventJournal.open(dir);
  const p = policy(journal);
  frames(p, 3);
  t.equal(OpenEventJournal.open(dir).stats().open, 1);
  const ends = p.close(9000, 'reconfigured');
  t.same(ends.map((e) => [e.type, e.reason]), [['end', 'reconfigured']]);
  t.equal(OpenEventJournal.open(dir).stats().open, 0, 'ended tracks are not left for a restart');
  t.same(p.apply(record(9, 9000, [person]), 9000).events, [], 'a frame in flight after close starts nothing');
  const q = policy(journal);
  frames(q, 3);
  t.same(q.close(10_000).map((e) => e.reason), ['shutdown'], 'shutdown is the default reason');
});

t.test('the journal is bounded, and an unreadable file means nothing left open', async (t) => {
  const dir = t.testdir();
  const journal = OpenEventJournal.open(dir, undefined, 3);
  const base = frames(policy(OpenEventJournal.open(t.testdir())), 3)[0] as EventRecord;
  journal.record(Array.from({ length: 5 }, (_, i) => ({ ...base, trackId: `T${i}` })));
  t.same(journal.stats(), { open: 3, writeFailures: 0, evicted: 2 });
  const kept = (JSON.parse(readFileSync(join(dir, OPEN_EVENTS_FILE), 'utf8')) as { events: EventRecord[] }).events.map((e) => e.trackId);
  t.same(kept, ['T2', 'T3', 'T4'], 'the oldest went first');
  writeFileSync(join(dir, OPEN_EVENTS_FILE), '{"version":1,"events":[');
  const warnings: unknown[] = [];
  const logger = { warn: (o: unknown) => warnings.push(o) } as unknown as Parameters<typeof OpenEventJournal.open>[1];
  t.equal(OpenEventJournal.open(dir, logger).stats().open, 0);
  t.equal(warnings.length, 1, 'said in the log');
});
