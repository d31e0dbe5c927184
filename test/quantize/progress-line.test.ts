import t from 'tap';
import { calibrationProgress } from '../../agent/quantize/progress-line.js';

const recorder = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
};

t.test('a terminal gets one bar rewritten in place, ending with a newline', async (t) => {
  const { out, stream } = recorder(true);
  const onProgress = calibrationProgress(stream);
  onProgress({ pass: 1, passes: 2, done: 1, total: 4 });
  onProgress({ pass: 1, passes: 2, done: 4, total: 4 });
  t.equal(out[0], `\rcalibration pass 1/2 [${'#'.repeat(6)}${'.'.repeat(18)}] 1/4`);
  t.equal(out[1], `\rcalibration pass 1/2 [${'#'.repeat(24)}] 4/4\n`);
});

t.test('a pipe gets plain lines', async (t) => {
  const { out, stream } = recorder(false);
  calibrationProgress(stream)({ pass: 2, passes: 2, done: 3, total: 5 });
  t.same(out, ['calibration pass 2/2: 3/5 images\n']);
});
