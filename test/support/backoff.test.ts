import t from 'tap';
import { Backoff, backoffDelayMs } from '../../agent/support/backoff.js';

t.test('without jitter the delay doubles from initialMs and stops at maxMs', async (t) => {
  const b = { initialMs: 100, maxMs: 1000 };
  t.same([0, 1, 2, 3, 4, 40].map((a) => backoffDelayMs(a, b)), [100, 200, 400, 800, 1000, 1000]);
  t.equal(backoffDelayMs(-3, b), 100, 'a negative attempt counts as the first');
});

t.test('with jitter each delay lies in the upper half of its ceiling', async (t) => {
  const b = { initialMs: 100, maxMs: 1000 };
  t.equal(backoffDelayMs(0, b, { jitter: true, random: () => 0 }), 50);
  t.equal(backoffDelayMs(0, b, { jitter: true, random: () => 1 }), 100);
  t.equal(backoffDelayMs(3, b, { jitter: true, random: () => 1 }), 800);
  t.equal(backoffDelayMs(20, b, { jitter: true, random: () => 0 }), 500);
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelayMs(5, b, { jitter: true });
    if (d < 500 || d > 1000) t.fail(`delay ${d} outside [500, 1000]`);
  }
});

t.test('Backoff grows on every failure, saturates, and resets after a success', async (t) => {
  const backoff = new Backoff({ initialMs: 10, maxMs: 80 });
  t.same([1, 2, 3, 4, 5].map(() => backoff.next()), [10, 20, 40, 80, 80]);
  for (let i = 0; i < 100; i++) backoff.next();
  t.equal(backoff.next(), 80, 'still at the maximum after 100 more failures');
  t.equal(backoff.failures, 31, 'the failure count saturates');
  backoff.reset();
  t.equal(backoff.failures, 0);
  t.equal(backoff.next(), 10);
});
