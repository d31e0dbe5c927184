/**
 * The tracker and the events policy on real model output: a person cut from hopper.jpg walks
 * across a static background (built in memory, frame by frame) past a line and into a zone, and
 * person-yolox-192 detects them in every frame.
 */
import t from 'tap';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { ReportPolicy } from '../../agent/pipeline/report-policy.js';
import type { EventRecord } from '../../agent/results/event-record.js';
import type { DetectionRecord } from '../../agent/results/result-record.js';
import { testStore } from '../helpers/test-store.js';
import { background, compose, personCrop, WIDTH } from './helpers/scene.js';

t.test('one person walking across: one track, one id, start / zone / line / end events', async (t) => {
  const dir = t.testdir();
  const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'events-test', logger: silentLogger(), intraOpThreads: 1 });
  await pool.load(['person-yolox-192']);
  t.teardown(() => pool.close());
  const runner = pool.get('person-yolox-192');
  const bg = await background();
  const person = await personCrop('hopper.jpg', 110, 220);
  const policy = new ReportPolicy({
    policy: 'events',
    heartbeatSeconds: 60,
    minScore: 0,
    tracking: { enabled: true, minHits: 3, maxMissedFrames: 3, minIou: 0.2, highScore: 0.5 },
    scene: { zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 }], lines: [{ name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: ['person'] }] },
  });
  const every = new ReportPolicy({ policy: 'every', heartbeatSeconds: 60, minScore: 0, tracking: { enabled: true, minHits: 3, maxMissedFrames: 3, minIou: 0.2, highScore: 0.5 } });
  const events: EventRecord[] = [];
  const trackIds: (string | undefined)[] = [];
  let detected = 0;
  const frames = 24;
  const t0 = Date.parse('2024-05-01T10:02:00Z');
  for (let f = 0; f < frames + 4; f++) {
    // 20 px per frame from x = 40; after `frames` the person has left (empty frames end the track).
    const present = f < frames;
    const image = await compose(bg, present ? [{ input: person, left: 40 + f * 20, top: 200 }] : []);
    const record = (await runner.infer({ source: 'door', seq: f, capturedAt: new Date(t0 + f * 1000), image }, 0.5)) as DetectionRecord;
    const people = record.detections.filter((d) => d.label === 'person');
    if (present && people.length > 0) detected++;
    const out = policy.apply(record, t0 + f * 1000);
    events.push(...out.events);
    const kept = every.apply(record, t0 + f * 1000).record as DetectionRecord;
    if (present) trackIds.push(...kept.detections.map((d) => d.trackId));
  }
  // The detector misses the pasted person in some frames (18 of 24 when this was written); the tracker bridges them.
  t.ok(detected >= frames / 2, `the model found the person in ${detected} of ${frames} frames`);
  const ids = new Set(trackIds.filter((x) => x !== undefined));
  t.equal(ids.size, 1, `one track id over the walk (${[...ids].join(', ')})`);
  t.same(events.map((e) => e.type), ['start', ...events.slice(1, -1).map(() => 'update'), 'end'], 'start, updates, end');
  const updates = events.filter((e) => e.type === 'update').flatMap((e) => e.changes ?? []);
  t.same(new Set(updates.map((c) => JSON.stringify(c))), new Set([JSON.stringify({ type: 'zone-entered', zone: 'right' }), JSON.stringify({ type: 'line-crossed', line: 'middle', direction: 'forward' })]), 'entered the right half and crossed the middle line left to right');
  t.equal(updates.length, 2, 'each once');
  const end = events[events.length - 1] as EventRecord;
  t.equal(end.reason, 'lost');
  t.same(end.zonesEntered, ['right']);
  t.same(end.lineCrossings, [{ line: 'middle', forward: 1, backward: 0 }]);
  t.ok((end.durationMs ?? 0) >= 20_000, `duration ${end.durationMs} ms`);
  t.equal(new Set(events.map((e) => e.trackId)).size, 1, 'every event names the one track');
  t.ok(end.box.x > WIDTH / 2, 'the end event has the last box, on the right');
});
