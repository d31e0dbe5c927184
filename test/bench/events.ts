/**
 * `npm run bench -- events`: what the motion gate, the tracker, the open-events journal cost per
 * frame or event, and how many messages and bytes each report policy sends. Frames are built in
 * memory from the shared images (never written anywhere). The ground-truth part plays the
 * generated sequences of test/helpers/ground-truth through the default gate and the real
 * person-yolox-192 and scores the `events` policy against the known paths; the synthetic part
 * feeds made-up detections (a person walking across, with and without missed detections) so it
 * measures the policies alone. Load average printed beside each figure.
 */
import { loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeGate } from '../../agent/pipeline/change-gate.js';
import { MotionGate } from '../../agent/pipeline/motion-gate.js';
import { OpenEventJournal } from '../../agent/pipeline/open-events.js';
import { ReportPolicy, type ReportPolicyOptions } from '../../agent/pipeline/report-policy.js';
import { Tracker } from '../../agent/pipeline/tracker.js';
import type { CountRecord } from '../../agent/results/count-record.js';
import type { EventRecord } from '../../agent/results/event-record.js';
import type { Detection, DetectionRecord } from '../../agent/results/result-record.js';
import { silentLogger } from '../../agent/log/logger.js';
import { RunnerPool } from '../../agent/pipeline/runner-pool.js';
import { groundTruthCamera, type CameraChoice } from '../helpers/ground-truth/camera.js';
import { eventsOf, InferenceCache, laneFor, play, START_MS, type KeptMessage } from '../helpers/ground-truth/play.js';
import { SCENARIOS } from '../helpers/ground-truth/scenarios.js';
import { scoreEvents } from '../helpers/ground-truth/score.js';
import { buildSequence } from '../helpers/ground-truth/sequence.js';
import { testStore } from '../helpers/test-store.js';
import { background, compose, HEIGHT, personCrop, WIDTH } from '../pipeline/helpers/scene.js';

const load = (): string => loadavg()[0]?.toFixed(2) ?? '?';

async function gateCost(): Promise<string[]> {
  const bg = await background();
  const person = await personCrop('hopper.jpg', 110, 220);
  const frames = await Promise.all(Array.from({ length: 40 }, (_, i) => compose(bg, [{ input: person, left: 20 + i * 12, top: 200 }])));
  const out: string[] = [];
  for (const [name, gate] of [['motion (defaults)', new MotionGate({ analysisWidth: 160, pixelThreshold: 25, minAreaPixels: 400, trackedIntervalMs: 2000 })], ['mean (threshold 0.02)', new ChangeGate(0.02)]] as const) {
    const n = 200;
    for (let i = 0; i < 10; i++) await gate.check(frames[i % frames.length] as never); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await gate.check(frames[i % frames.length] as never, { nowMs: i * 1000, trackedObjects: 0 });
    out.push(`gate ${name}: ${((performance.now() - t0) / n).toFixed(2)} ms per ${WIDTH}x${HEIGHT} raw frame (${n} frames), load ${load()}`);
  }
  return out;
}

function trackerCost(): string {
  let ids = 0;
  const tracker = new Tracker({ minHits: 3, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5, newId: () => `T${ids++}` });
  const frames = 10_000;
  const objects = 10;
  const dets = (f: number): Detection[] => Array.from({ length: objects }, (_, k) => ({ label: 'person', score: 0.8, box: { x: (k * 60 + f * 3) % 1800, y: 100 + k * 80, width: 50, height: 100 } }));
  for (let f = 0; f < 100; f++) tracker.update(dets(f), f * 1000);
  const t0 = performance.now();
  for (let f = 100; f < 100 + frames; f++) tracker.update(dets(f), f * 1000);
  const ms = (performance.now() - t0) / frames;
  return `tracker: ${ms.toFixed(3)} ms per frame with ${objects} objects (${frames} frames, ${ids} track ids made), load ${load()}`;
}

function journalCost(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-events-'));
  try {
    const journal = OpenEventJournal.open(dir);
    const base = policyRun('events', 0).kept.find((k): k is EventRecord => 'kind' in k) as EventRecord;
    const n = 500;
    const t0 = performance.now();
    // 10 tracks open at a time: each start rewrites a file of about 10 events.
    for (let i = 0; i < n; i++) journal.record([{ ...base, trackId: `T${i % 10}`, type: i % 20 < 10 ? 'start' : 'end' }]);
    return `open-events journal: ${((performance.now() - t0) / n).toFixed(3)} ms per kept event (${n} events, up to 10 open, temp dir on this disk, no fsync), load ${load()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One minute at 1 frame/s: a person walks across in seconds 10..33; `missEvery` drops every n-th detection (0: none). */
function policyRun(policy: ReportPolicyOptions['policy'], missEvery: number): { kept: (DetectionRecord | EventRecord | CountRecord)[]; bytes: number } {
  const p = new ReportPolicy({
    policy, heartbeatSeconds: 60, intervalSeconds: 60, minScore: 0,
    tracking: { enabled: policy === 'events', minHits: 3, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5 },
    scene: { zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 }], lines: [{ name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: undefined }] },
  });
  const kept: (DetectionRecord | EventRecord | CountRecord)[] = [];
  p.recovered(0);
  let seq = 0;
  for (let s = 0; s < 60; s++) {
    const walking = s >= 10 && s < 34;
    const missed = missEvery > 0 && s % missEvery === 0;
    const detections: Detection[] = walking && !missed ? [{ label: 'person', score: 0.85, box: { x: (s - 10) * 25, y: 200, width: 110, height: 220 } }] : [];
    const record: DetectionRecord = {
      schemaVersion: 1, resultId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', deviceId: 'bench', provider: 'cpu',
      model: { id: 'person-yolox-192', version: '1', sha256: 'a'.repeat(64) },
      frame: { source: 'door', seq: s, capturedAt: new Date(s * 1000).toISOString(), width: WIDTH, height: HEIGHT },
      timing: { preprocessMs: 1, inferenceMs: 20, postprocessMs: 1 }, detections,
    };
    const outcome = p.apply(record, s * 1000);
    if (outcome.record !== undefined) kept.push(outcome.record as DetectionRecord);
    kept.push(...outcome.events, ...outcome.counts);
  }
  kept.push(...p.close(60_000), ...p.dueCounts(60_000));
  // As published: the message plus its seq and streamSeq.
  const bytes = kept.reduce((sum, k) => sum + Buffer.byteLength(JSON.stringify({ ...k, seq: ++seq, streamSeq: seq })), 0);
  return { kept, bytes };
}

function policyTable(): string[] {
  const out = ['messages per minute, 1 frame/s, a person walking across for 24 s (synthetic detections; events include the shutdown end; counts: interval 60 s, started at 0)'];
  for (const missEvery of [0, 4]) {
    for (const policy of ['every', 'on-change', 'events', 'counts'] as const) {
      const { kept, bytes } = policyRun(policy, missEvery);
      out.push(`  ${missEvery === 0 ? 'no misses      ' : 'every 4th missed'} ${policy.padEnd(10)} ${String(kept.length).padStart(3)} messages ${String(bytes).padStart(7)} bytes, load ${load()}`);
    }
  }
  return out;
}

/** The cameras each sequence is played through: one report policy each, the gate on unless said. */
const GROUND_TRUTH_LANES: { name: string; choice: CameraChoice }[] = [
  { name: 'every, no gate', choice: { policy: 'every', gate: false } },
  { name: 'every', choice: { policy: 'every', gate: true } },
  { name: 'on-change', choice: { policy: 'on-change', gate: true } },
  { name: 'events', choice: { policy: 'events', gate: true } },
  { name: 'counts', choice: { policy: 'counts', gate: true } },
];

const GROUND_TRUTH_SIZES = [0.08, 0.04, 0.02, 0.01];

/** Bytes of `messages` as published: each message with its `seq` and `streamSeq`. */
function publishedBytes(messages: readonly KeptMessage[]): number {
  return messages.reduce((sum, m, i) => sum + Buffer.byteLength(JSON.stringify({ ...m, seq: i + 1, streamSeq: i + 1 })), 0);
}

/** Line crossings in count records, per direction. */
function countedCrossings(messages: readonly KeptMessage[]): { forward: number; backward: number } {
  const out = { forward: 0, backward: 0 };
  for (const m of messages) {
    if (!('kind' in m) || m.kind !== 'counts') continue;
    for (const l of m.lines) {
      out.forward += l.forward;
      out.backward += l.backward;
    }
  }
  return out;
}

/**
 * Every scenario at every size on rocket.jpg, 1 frame/s, through each lane with the real model
 * (one inference per frame, shared by the lanes); messages and bytes per hour of such footage, and
 * the zone and line events the `events` lane missed against the ground truth.
 */
async function groundTruthPart(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-ground-truth-'));
  const pool = new RunnerPool(testStore(join(dir, 'models')), { deviceId: 'bench', logger: silentLogger(), intraOpThreads: 1 });
  const out = [`ground truth: ${SCENARIOS.map((s) => `${s.name} (${s.frames} frames, ${s.people.length} ${s.people.length === 1 ? 'person' : 'people'})`).join(', ')}; 1 frame/s on rocket.jpg; person-yolox-192, schema defaults (gate: motion; tracker; heartbeat 60 s; counts interval 60 s)`];
  try {
    await pool.load(['person-yolox-192']);
    const cache = new InferenceCache(pool.get('person-yolox-192'));
    const totals = new Map<string, { messages: number; bytes: number }>(GROUND_TRUTH_LANES.map((l) => [l.name, { messages: 0, bytes: 0 }]));
    let seconds = 0;
    let expected = 0;
    let missed = 0;
    let extra = 0;
    let inferMs = 0;
    for (const areaFraction of GROUND_TRUTH_SIZES) {
      const row = new Map<string, number>();
      let sizeExpected = 0;
      let sizeMissed = 0;
      let sizeExtra = 0;
      let people = 0;
      let tracked = 0;
      let crossings = { forward: 0, backward: 0 };
      let counted = { forward: 0, backward: 0 };
      let sizeSeconds = 0;
      for (const scenario of SCENARIOS) {
        const sequence = await buildSequence(scenario, { areaFraction });
        const t0 = performance.now();
        const plays = await play(sequence, GROUND_TRUTH_LANES.map((l) => laneFor(l.name, groundTruthCamera(l.choice))), cache);
        inferMs += performance.now() - t0;
        sizeSeconds += (sequence.frames * sequence.frameIntervalMs) / 1000;
        for (const lane of GROUND_TRUTH_LANES) {
          const kept = plays.get(lane.name)?.kept.flat() ?? [];
          const total = totals.get(lane.name) as { messages: number; bytes: number };
          total.messages += kept.length;
          total.bytes += publishedBytes(kept);
          row.set(lane.name, (row.get(lane.name) ?? 0) + kept.length);
        }
        const eventsPlay = plays.get('events');
        if (eventsPlay !== undefined) {
          const score = scoreEvents(sequence, eventsOf(eventsPlay), START_MS);
          for (const p of score.people) {
            people++;
            if (p.tracks.length > 0) tracked++;
            sizeExpected += p.expected.length;
            sizeMissed += p.missed;
            sizeExtra += p.extra;
            for (const c of p.expected) if (c.type === 'line-crossed') crossings = { ...crossings, [c.direction]: crossings[c.direction] + 1 };
          }
        }
        const c = countedCrossings(plays.get('counts')?.kept.flat() ?? []);
        counted = { forward: counted.forward + c.forward, backward: counted.backward + c.backward };
      }
      seconds += sizeSeconds;
      expected += sizeExpected;
      missed += sizeMissed;
      extra += sizeExtra;
      out.push(
        `  ${(areaFraction * 100).toFixed(0).padStart(2)} % (${sizeSeconds} s): ` +
          GROUND_TRUTH_LANES.map((l) => `${l.name} ${row.get(l.name) ?? 0}`).join(', ') +
          ` messages; events: ${tracked} of ${people} people tracked, ${sizeMissed} of ${sizeExpected} zone/line events missed, ${sizeExtra} extra;` +
          ` counts: line crossings ${counted.forward}/${counted.backward} of ${crossings.forward}/${crossings.backward} (forward/backward); load ${load()}`,
      );
    }
    out.push(`  all sizes, ${seconds} s of footage, per hour of it:`);
    const every = totals.get('every, no gate')?.messages ?? 0;
    const everyGated = totals.get('every')?.messages ?? 0;
    for (const lane of GROUND_TRUTH_LANES) {
      const t = totals.get(lane.name) as { messages: number; bytes: number };
      const ratio = t.messages === 0 ? 'n/a' : `${(every / t.messages).toFixed(1)}x / ${(everyGated / t.messages).toFixed(1)}x fewer than every without / with the gate`;
      out.push(`    ${lane.name.padEnd(15)} ${String(Math.round((t.messages * 3600) / seconds)).padStart(6)} messages/h ${String(Math.round((t.bytes * 3600) / seconds)).padStart(10)} bytes/h  (${ratio})`);
    }
    out.push(`  events missed against the ground truth: ${missed} of ${expected} (${extra} extra); played in ${(inferMs / 1000).toFixed(1)} s, load ${load()}`);
    return out;
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the events part. */
export async function runEventsBench(): Promise<void> {
  console.log('\nevents: gate, tracker and journal cost; messages by report policy on ground-truth sequences and on synthetic detections');
  for (const line of await gateCost()) console.log(line);
  console.log(trackerCost());
  console.log(journalCost());
  for (const line of await groundTruthPart()) console.log(line);
  for (const line of policyTable()) console.log(line);
}
