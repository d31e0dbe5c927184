import t from 'tap';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { ChangeGate } from '../../agent/pipeline/change-gate.js';
import { sharedImage } from '../helpers/shared.js';

const jpeg = (name: string) => ({ kind: 'encoded' as const, data: readFileSync(sharedImage(name)) });

t.test('the same frame is skipped, a different one passes', async (t) => {
  const gate = new ChangeGate(0.02);
  t.same(await gate.check(jpeg('rocket.jpg')), { pass: true, difference: 1 }, 'first frame passes');
  const same = await gate.check(jpeg('rocket.jpg'));
  t.equal(same.pass, false);
  t.equal(same.difference, 0);
  const other = await gate.check(jpeg('hopper.jpg'));
  t.equal(other.pass, true);
  t.ok(other.difference > 0.05, `difference ${other.difference}`);
});

t.test('small noise stays under the threshold; a person walking in passes', async (t) => {
  const bg = await sharp(readFileSync(sharedImage('rocket.jpg'))).resize(640, 360, { fit: 'fill' }).raw().toBuffer();
  const noisy = Buffer.from(bg);
  for (let i = 0; i < noisy.length; i += 7) noisy[i] = Math.min(255, (noisy[i] as number) + 3);
  const person = await sharp(readFileSync(sharedImage('hopper.jpg'))).resize({ height: 300 }).toBuffer();
  const withPerson = await sharp(bg, { raw: { width: 640, height: 360, channels: 3 } }).composite([{ input: person, left: 200, top: 30 }]).raw().toBuffer();
  const gate = new ChangeGate(0.02);
  const raw = (data: Buffer) => ({ kind: 'raw' as const, data, width: 640, height: 360, channels: 3 as const });
  await gate.check(raw(bg));
  t.equal((await gate.check(raw(noisy))).pass, false, 'sensor noise skipped');
  t.equal((await gate.check(raw(withPerson))).pass, true, 'a person passes');
});
