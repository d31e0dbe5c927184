/**
 * The default motion gate over whole generated sequences (test/helpers/ground-truth), people from
 * 8 % of the frame down to 0.5 %: every frame in which a person appears or moves is inferred. The
 * gate is given no tracked objects, so no frame passes for the tracked re-inference interval:
 * what passes, passes on motion alone.
 */
import t from 'tap';
import { createGate } from '../../agent/pipeline/create-gate.js';
import type { GateDecision } from '../../agent/pipeline/change-gate.js';
import { groundTruthCamera } from '../helpers/ground-truth/camera.js';
import { START_MS } from '../helpers/ground-truth/play.js';
import { SCENARIOS } from '../helpers/ground-truth/scenarios.js';
import { gateMisses } from '../helpers/ground-truth/score.js';
import { buildSequence } from '../helpers/ground-truth/sequence.js';

const SIZES = [0.08, 0.04, 0.02, 0.01, 0.005];

for (const background of ['rocket.jpg', 'synthetic'] as const) {
  t.test(`gate on ${background}: no frame where a person moved is skipped, down to 0.5 % of the frame`, async (t) => {
    const settings = groundTruthCamera({ policy: 'events', gate: true }).gate;
    t.equal(settings?.mode, 'motion', 'the default gate mode');
    for (const scenario of SCENARIOS) {
      for (const areaFraction of SIZES) {
        const sequence = await buildSequence(scenario, { areaFraction, background });
        const gate = createGate(settings as NonNullable<typeof settings>);
        const decisions: GateDecision[] = [];
        for (let i = 0; i < sequence.frames; i++) decisions.push(await gate.check(await sequence.frame(i), { nowMs: START_MS + i * sequence.frameIntervalMs, trackedObjects: 0 }));
        const misses = gateMisses(sequence, decisions);
        const passed = decisions.filter((d) => d.pass).length;
        t.same(misses.moved, [], `${sequence.name}: ${passed} of ${sequence.frames} frames passed; skipped with a person moving: [${misses.moved.join(', ')}]; skipped as a person vanished: [${misses.vanished.join(', ')}]`);
        // The gate is not simply passing everything: the last frames, empty for a while, are skipped.
        t.ok(decisions.slice(-4).every((d) => !d.pass), `${sequence.name}: the empty tail skipped (${sequence.frames - passed} frames skipped in all)`);
      }
    }
  });
}
