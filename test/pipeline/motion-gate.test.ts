import t from 'tap';
import { loadConfig } from '../../agent/config/load-config.js';
import { ChangeGate } from '../../agent/pipeline/change-gate.js';
import { createGate } from '../../agent/pipeline/create-gate.js';
import { MotionGate } from '../../agent/pipeline/motion-gate.js';
import { resolveConfig } from '../../agent/runtime/resolve.js';
import { background, compose, HEIGHT, personCrop, WIDTH } from './helpers/scene.js';

/** The gate `edge-agent run` builds for a camera that only turns the gate on (every other key at its default). */
function defaultGate() {
  const values = { deviceId: 'gate-test', dataDir: '/tmp/edge-agent-gate-test', cameras: [{ name: 'cam', source: { type: 'files', path: '/tmp' }, changeGate: { enabled: true }, models: [{ id: 'person-yolox-192' }] }] };
  const { config } = loadConfig({ document: { values, label: 'motion-gate.test' }, env: {}, profile: 'generic-x86_64' });
  const settings = resolveConfig(config).cameras[0]?.gate;
  if (settings === undefined) throw new Error('gate is off');
  return { gate: createGate(settings), settings };
}

t.test('a person covering 0.5 % of the frame and moving: the default gate infers, the whole-frame mean gate misses it', async (t) => {
  const bg = await background();
  // 24 x 64 = 1536 pixels, 0.5 % of 640 x 480.
  const person = await personCrop('hopper.jpg', 24, 64);
  t.equal((24 * 64) / (WIDTH * HEIGHT), 0.005);
  const frames = [
    await compose(bg, []),
    await compose(bg, []),
    await compose(bg, [{ input: person, left: 100, top: 300 }]),
    await compose(bg, [{ input: person, left: 130, top: 302 }]),
    await compose(bg, [{ input: person, left: 160, top: 304 }]),
  ];
  const { gate, settings } = defaultGate();
  t.equal(settings.mode, 'motion', 'motion is the default mode');
  const mean = new ChangeGate(0.02); // the old gate at its default threshold
  const decisions = [];
  const meanDecisions = [];
  for (const [i, f] of frames.entries()) {
    decisions.push(await gate.check(f, { nowMs: i * 1000, trackedObjects: 0 }));
    meanDecisions.push(await mean.check(f));
  }
  t.same(decisions.map((d) => d.pass), [true, false, true, true, true], 'motion gate: first frame, still frame skipped, the person seen in every frame it moves');
  t.same(decisions.map((d) => d.reason), ['first', 'still', 'motion', 'motion', 'motion']);
  for (const d of decisions.slice(2)) t.ok((d.motionPixels ?? 0) >= 400, `moving region of ${d.motionPixels} source pixels`);
  t.same(meanDecisions.map((d) => d.pass), [true, false, false, false, false], 'mean gate misses the person entirely');
  for (const d of meanDecisions.slice(2)) t.ok(d.difference < 0.02, `mean difference ${d.difference.toFixed(4)} under 0.02`);
});

t.test('sensor noise and a small flicker are skipped; a person of 0.25 % walking is still seen', async (t) => {
  const bg = await background();
  const noisy = Buffer.from(bg);
  // Noise of up to +-12 grey levels on every pixel, with a fixed seed.
  let seed = 7;
  for (let i = 0; i < noisy.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    noisy[i] = Math.max(0, Math.min(255, (noisy[i] as number) + (seed % 25) - 12));
  }
  const gate = new MotionGate({ analysisWidth: 160, pixelThreshold: 25, minAreaPixels: 400, trackedIntervalMs: 2000 });
  await gate.check(await compose(bg, []), { nowMs: 0, trackedObjects: 0 });
  const n = await gate.check({ kind: 'raw', data: noisy, width: WIDTH, height: HEIGHT, channels: 3 }, { nowMs: 1, trackedObjects: 0 });
  t.equal(n.pass, false, `noise skipped (largest region ${n.motionPixels} px)`);
  // A 4 x 4 pixel flicker (a leaf, an insect) is under minAreaPixels.
  const tiny = await personCrop('astronaut.png', 4, 4);
  const f = await gate.check(await compose(bg, [{ input: tiny, left: 300, top: 100 }]), { nowMs: 2, trackedObjects: 0 });
  t.equal(f.pass, false, `flicker skipped (largest region ${f.motionPixels} px)`);
  const small = await personCrop('astronaut.png', 16, 48); // 768 px, 0.25 %
  const a = await gate.check(await compose(bg, [{ input: small, left: 400, top: 200 }]), { nowMs: 3, trackedObjects: 0 });
  const b = await gate.check(await compose(bg, [{ input: small, left: 420, top: 200 }]), { nowMs: 4, trackedObjects: 0 });
  t.ok(a.pass && b.pass, `0.25 % person seen (${a.motionPixels}, ${b.motionPixels} px)`);
});

t.test('tracked objects are inferred again every trackedIntervalMs without motion', async (t) => {
  const bg = await compose(await background(), []);
  const gate = new MotionGate({ analysisWidth: 160, pixelThreshold: 25, minAreaPixels: 400, trackedIntervalMs: 2000 });
  t.equal((await gate.check(bg, { nowMs: 0, trackedObjects: 1 })).reason, 'first');
  t.equal((await gate.check(bg, { nowMs: 1000, trackedObjects: 1 })).pass, false, 'within the interval: skipped');
  t.equal((await gate.check(bg, { nowMs: 2500, trackedObjects: 0 })).pass, false, 'nothing tracked: skipped however long');
  t.equal((await gate.check(bg, { nowMs: 2500, trackedObjects: 2 })).reason, 'tracked', 'tracked and the interval passed: inferred');
  t.equal((await gate.check(bg, { nowMs: 3000, trackedObjects: 2 })).pass, false, 'the interval starts again');
});
