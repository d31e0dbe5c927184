/**
 * `npm run bench -- events`: what the motion gate, the tracker, the open-events journal cost per
 * frame or event, and how many messages and bytes a minute each report policy sends for the same
 * detections. Frames are built in memory from the shared images (never written anywhere); the
 * policy part feeds synthetic detections (a person walking across, with and without missed
 * detections) so it measures the policies, not the model. Load average printed beside each figure.
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
import type { EventRecord } from '../../agent/results/event-record.js';
import type { Detection, DetectionRecord } from '../../agent/results/result-record.js';
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
function policyRun(policy: ReportPolicyOptions['policy'], missEvery: number): { kept: (DetectionRecord | EventRecord)[]; bytes: number } {
  const p = new ReportPolicy({
    policy, heartbeatSeconds: 60, minScore: 0,
    tracking: { enabled: policy === 'events', minHits: 3, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5 },
    scene: { zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: undefined, minDwellMs: 0 }], lines: [{ name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: undefined }] },
  });
  const kept: (DetectionRecord | EventRecord)[] = [];
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
    kept.push(...outcome.events);
  }
  kept.push(...p.close(60_000));
  // As published: the message plus its seq and streamSeq.
  const bytes = kept.reduce((sum, k) => sum + Buffer.byteLength(JSON.stringify({ ...k, seq: ++seq, streamSeq: seq })), 0);
  return { kept, bytes };
}

function policyTable(): string[] {
  const out = ['messages per minute, 1 frame/s, a person walking across for 24 s (synthetic detections; events include the shutdown end)'];
  for (const missEvery of [0, 4]) {
    for (const policy of ['every', 'on-change', 'events'] as const) {
      const { kept, bytes } = policyRun(policy, missEvery);
      out.push(`  ${missEvery === 0 ? 'no misses      ' : 'every 4th missed'} ${policy.padEnd(10)} ${String(kept.length).padStart(3)} messages ${String(bytes).padStart(7)} bytes, load ${load()}`);
    }
  }
  return out;
}

/** Prints the events part. */
export async function runEventsBench(): Promise<void> {
  console.log('\nevents: gate, tracker and journal cost; messages per minute by report policy');
  for (const line of await gateCost()) console.log(line);
  console.log(trackerCost());
  console.log(journalCost());
  for (const line of policyTable()) console.log(line);
}
