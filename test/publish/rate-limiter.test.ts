import t from 'tap';
import { RateLimiter } from '../../agent/publish/rate-limiter.js';

function simulate(perSecond: number, durationMs: number): number[] {
  let now = 0;
  const limiter = new RateLimiter(perSecond, () => now);
  const sent: number[] = [];
  while (now < durationMs) {
    const wait = limiter.reserve();
    if (wait === 0) sent.push(now);
    else now += wait;
  }
  return sent;
}

function maxInAnySecond(times: number[]): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

t.test('never more than the rate in any second, and the rate is reached', async (t) => {
  for (const rate of [1, 5, 40, 100, 105]) {
    const sent = simulate(rate, 5_000);
    t.ok(maxInAnySecond(sent) <= rate, `${rate}/s: at most ${rate} in any second (saw ${maxInAnySecond(sent)})`);
    t.ok(sent.length >= Math.floor(rate / 10) * 10 * 4 || sent.length >= rate * 4, `${rate}/s: ${sent.length} sends in 5 s`);
  }
});

t.test('0 turns the limit off', async (t) => {
  const limiter = new RateLimiter(0, () => 0);
  for (let i = 0; i < 10_000; i++) if (limiter.reserve() !== 0) t.fail('waited');
  t.pass('10,000 sends without waiting');
});
