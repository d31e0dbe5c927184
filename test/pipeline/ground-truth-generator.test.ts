/**
 * The ground-truth generator itself (test/helpers/ground-truth): the true boxes are where the
 * pixels changed, the sizes are the asked share of the frame, the expected events follow from the
 * paths, and a sequence written for the `files` source decodes to the same frames.
 */
import t from 'tap';
import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import { backgroundImage } from '../helpers/ground-truth/backgrounds.js';
import { personSize } from '../helpers/ground-truth/people.js';
import { TWO_PASSING, WALK_STAND_RETURN } from '../helpers/ground-truth/scenarios.js';
import { buildSequence, writeSequence } from '../helpers/ground-truth/sequence.js';
import { describe } from '../helpers/ground-truth/score.js';

t.test('person sizes are the asked share of the frame', (t) => {
  for (const f of [0.08, 0.04, 0.02, 0.01, 0.005]) {
    const { width, height } = personSize(f, 640, 480);
    t.ok(Math.abs((width * height) / (640 * 480) - f) / f < 0.05, `${f * 100} %: ${width}x${height} covers ${(((width * height) / (640 * 480)) * 100).toFixed(2)} %`);
  }
  t.end();
});

t.test('the changed pixels of a frame are inside the true boxes, and fill them', async (t) => {
  const sequence = await buildSequence(TWO_PASSING, { areaFraction: 0.02 });
  const bg = await backgroundImage('rocket.jpg', 640, 480);
  for (const index of [0, 10, 40]) {
    const frame = await sequence.frame(index);
    const boxes = sequence.truth[index] ?? [];
    t.equal(boxes.length, 2, `frame ${index}: both people`);
    let outside = 0;
    let inside = 0;
    let insideChanged = 0;
    for (let y = 0; y < 480; y++) {
      for (let x = 0; x < 640; x++) {
        const i = (y * 640 + x) * 3;
        const changed = frame.data[i] !== bg[i] || frame.data[i + 1] !== bg[i + 1] || frame.data[i + 2] !== bg[i + 2];
        const within = boxes.some((b) => x >= b.box.x && x < b.box.x + b.box.width && y >= b.box.y && y < b.box.y + b.box.height);
        if (within) {
          inside++;
          if (changed) insideChanged++;
        } else if (changed) outside++;
      }
    }
    t.equal(outside, 0, `frame ${index}: no pixel changed outside the true boxes`);
    t.ok(insideChanged / inside > 0.9, `frame ${index}: ${((insideChanged / inside) * 100).toFixed(0)} % of the boxes' pixels changed`);
  }
  const empty = await sequence.frame(sequence.frames - 1);
  t.ok(empty.data.equals(bg), 'the last frame is the empty background');
});

t.test('expected events follow the paths', async (t) => {
  const walk = await buildSequence(WALK_STAND_RETURN, { areaFraction: 0.04 });
  t.equal(describe(walk.expected.get('A') ?? []), 'door forward, bay entered, bay left, door backward', 'the walk: through the door, into the bay and back');
  const passing = await buildSequence(TWO_PASSING, { areaFraction: 0.04 });
  t.equal(describe(passing.expected.get('A') ?? []), 'door forward, bay entered, bay left', 'A passes left to right');
  t.equal(describe(passing.expected.get('B') ?? []), 'bay entered, bay left, door backward', 'B passes right to left');
  // Standing still in the bay: the same box for 30 frames.
  const standing = walk.truth.slice(28, 59).map((f) => JSON.stringify(f[0]?.box));
  t.equal(new Set(standing).size, 1, 'the person stands still from frame 28 to 58');
});

t.test('written for the files source: one JPEG per frame, the same scene', async (t) => {
  const dir = t.testdir();
  const sequence = await buildSequence(WALK_STAND_RETURN, { areaFraction: 0.08, background: 'synthetic' });
  const paths = await writeSequence(sequence, dir);
  t.equal(paths.length, sequence.frames, 'one path per frame');
  t.equal(readdirSync(dir).filter((n) => n.endsWith('.jpg')).length, sequence.frames, 'one file per frame');
  const meta = await sharp(paths[10] as string).metadata();
  t.same([meta.width, meta.height, meta.format], [640, 480, 'jpeg'], '640x480 JPEG');
  const decoded = await sharp(paths[10] as string).removeAlpha().raw().toBuffer();
  const original = (await sequence.frame(10)).data;
  let diff = 0;
  for (let i = 0; i < decoded.length; i++) diff += Math.abs((decoded[i] as number) - (original[i] as number));
  t.ok(diff / decoded.length < 4, `mean difference after JPEG ${(diff / decoded.length).toFixed(2)} grey levels`);
});
