/**
 * The real pipeline pieces on generated sequences with ground truth (test/helpers/ground-truth):
 * the default motion gate, person-yolox-192, the tracker and the `events` policy, built from a
 * configuration as `edge-agent run` builds them and called in the camera loop's order. Per
 * person: one track covering nearly all of their life, at most one id switch per 100 frames, and
 * exactly the zone and line events their path makes, in order and with directions; no track for
 * nobody; the gate skips no frame in which someone moved.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { silentLogger } from '../../agent/log/logger.js';
import { EventPolicy } from '../../agent/pipeline/event-policy.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { groundTruthCamera } from '../helpers/ground-truth/camera.js';
import { eventsOf, InferenceCache, keptRecords, laneFor, play, START_MS } from '../helpers/ground-truth/play.js';
import { TWO_PASSING, WALK_STAND_RETURN, type Scenario } from '../helpers/ground-truth/scenarios.js';
import { describe, gateMisses, scoreEvents, scoreTracking } from '../helpers/ground-truth/score.js';
import { buildSequence, type GroundTruthSequence } from '../helpers/ground-truth/sequence.js';
import type { BackgroundName } from '../helpers/ground-truth/backgrounds.js';
import { testStore } from '../helpers/test-store.js';

/**
 * Sizes and scenes the model finds people in well enough to track. Smaller ones are measured below
 * and in docs/events.md ("How we test events"): at 4 % and 2 % the farther of the two passing
 * people is found in too few frames, at 1 % hardly anyone is.
 */
const CASES: { scenario: Scenario; areaFraction: number; background: BackgroundName }[] = [
  { scenario: WALK_STAND_RETURN, areaFraction: 0.08, background: 'rocket.jpg' },
  { scenario: WALK_STAND_RETURN, areaFraction: 0.04, background: 'rocket.jpg' },
  { scenario: WALK_STAND_RETURN, areaFraction: 0.02, background: 'rocket.jpg' },
  { scenario: WALK_STAND_RETURN, areaFraction: 0.08, background: 'synthetic' },
  { scenario: TWO_PASSING, areaFraction: 0.08, background: 'rocket.jpg' },
  { scenario: TWO_PASSING, areaFraction: 0.08, background: 'synthetic' },
];

async function setUp(t: Test): Promise<InferenceCache> {
  const dir = t.testdir();
  const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'ground-truth', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(() => pool.close());
  await pool.load(['person-yolox-192']);
  return new InferenceCache(pool.get('person-yolox-192'));
}

/** The `events` camera and, beside it, the same camera under `every` with tracking on (its results carry the `trackId`s the tracker gave). */
async function run(sequence: GroundTruthSequence, cache: InferenceCache) {
  const lanes = [laneFor('events', groundTruthCamera({ policy: 'events', gate: true })), laneFor('tracked', groundTruthCamera({ policy: 'every', gate: true, tracking: true }))];
  const plays = await play(sequence, lanes, cache);
  return { events: plays.get('events') as NonNullable<ReturnType<typeof plays.get>>, tracked: plays.get('tracked') as NonNullable<ReturnType<typeof plays.get>> };
}

for (const c of CASES) {
  t.test(`${c.scenario.name}, people of ${c.areaFraction * 100} % on ${c.background}: one track per person, their zone and line events`, async (t) => {
    const cache = await setUp(t);
    const sequence = await buildSequence(c.scenario, { areaFraction: c.areaFraction, background: c.background });
    const { events, tracked } = await run(sequence, cache);
    const misses = gateMisses(sequence, events.decisions);
    t.same(misses.moved, [], `the gate skipped no frame where someone moved (${events.decisions.filter((d) => d?.pass === true).length} of ${sequence.frames} inferred)`);

    for (const p of scoreTracking(sequence, keptRecords(tracked))) {
      t.equal(p.ids, 1, `${p.person}: one track id (matched in ${p.trackedFrames} of ${p.inferredFrames} inferred frames)`);
      t.ok(p.mainIdSpan >= 0.9, `${p.person}: the track covers ${(p.mainIdSpan * 100).toFixed(0)} % of their life (at least 90 %)`);
      t.ok(p.idSwitches * 100 <= sequence.frames, `${p.person}: ${p.idSwitches} id switches in ${sequence.frames} frames (at most 1 per 100)`);
    }

    const score = scoreEvents(sequence, eventsOf(events), START_MS);
    t.equal(score.strayTracks, 0, 'no track started on something that is not a person');
    t.equal(score.unpaired, 0, 'every track has one start and one end');
    for (const p of score.people) {
      t.equal(p.tracks.length, 1, `${p.person}: one event track`);
      t.same(p.reported, p.expected, `${p.person}: ${describe(p.reported)} (expected ${describe(p.expected)})`);
    }
  });
}

t.test('a person of 1 %: the gate sees every move, person-yolox-192 does not find them', async (t) => {
  const cache = await setUp(t);
  const sequence = await buildSequence(WALK_STAND_RETURN, { areaFraction: 0.01 });
  const { events, tracked } = await run(sequence, cache);
  t.same(gateMisses(sequence, events.decisions).moved, [], 'the gate skipped no frame where the person moved');
  const [a] = scoreTracking(sequence, keptRecords(tracked));
  const found = keptRecords(tracked).filter((r, f) => r !== undefined && (sequence.truth[f]?.length ?? 0) > 0 && r.detections.length > 0).length;
  t.comment(`1 %: detections in ${found} of ${a?.inferredFrames} inferred frames with the person; matched to the person (IoU >= 0.3) in ${a?.trackedFrames}`);
  // At its 192x192 input a 1 % person (39x78 of 640x480) is about 12x23 pixels. If this starts
  // failing, the model got better: add 1 % to CASES above.
  t.ok((a?.trackedFrames ?? 0) < (a?.inferredFrames ?? 0) / 2, `person-yolox-192 follows a 1 % person in fewer than half the frames (${a?.trackedFrames} of ${a?.inferredFrames})`);
});

t.test('a box cut off by the bottom of the frame stands inside a zone drawn down to y = 1', (t) => {
  // Found by the sequences above: the detector's box for a person low in the frame ends on the last row.
  const policy = new EventPolicy({ zones: [{ name: 'bay', polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 }], lines: [] }, 60_000, () => 'E');
  const track = (y: number, height: number) => ({ id: 'T1', label: 'person', box: { x: 400, y, width: 60, height }, score: 0.8, bestScore: 0.8, hits: 3, missed: 0, firstSeenMs: 0, lastSeenMs: 0 });
  const frame = (atMs: number) => ({ deviceId: 'd', camera: 'door', model: { id: 'person-yolox-192', version: '1', sha256: 'a'.repeat(64) }, atMs, width: 640, height: 480 });
  const start = policy.observe({ trackIds: ['T1'], confirmed: [], matched: [track(300, 180)], ended: [] }, frame(0));
  t.same(start[0]?.zones, ['bay'], 'box ending on the last row: in the bay');
  const next = policy.observe({ trackIds: ['T1'], confirmed: [], matched: [track(290, 190)], ended: [] }, frame(1000));
  t.same(next, [], 'still in the bay: no leave, no enter');
  t.end();
});
