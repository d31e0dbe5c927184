import t from 'tap';
import { RebuildCounter } from '../../agent/pipeline/rebuild-limit.js';

t.test('rebuilds count within the window only; the one reaching the limit gives the model up for good', async (t) => {
  let now = 0;
  const c = new RebuildCounter({ maxRebuilds: 3, windowMs: 600_000 }, () => now);
  t.equal(c.record('a'), undefined);
  now = 100_000;
  t.equal(c.record('a'), undefined);
  t.equal(c.record('b'), undefined, 'models are counted apart');
  now = 650_000; // the first rebuild of a left the window
  t.equal(c.record('a'), undefined, 'two within the window');
  now = 660_000;
  const given = c.record('a');
  t.match(given, { rebuilds: 3, windowMs: 600_000 });
  t.match(given?.reason, /^its session was rebuilt 3 times within 600 s after inferences that gave no result \(inference\.maxRebuilds 3, inference\.rebuildWindowSeconds 600\)$/);
  now = 10_000_000;
  t.equal(c.givenUp('a'), given, 'stays given up once the window has passed');
  t.equal(c.givenUp('b'), undefined);
});
