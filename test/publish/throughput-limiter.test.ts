import t from 'tap';
import { ThroughputLimiter } from '../../agent/publish/throughput-limiter.js';

/** Sends `sizes` as fast as the limiter allows on a fake clock; returns each send time. */
function sendAll(limiter: ThroughputLimiter, clock: { now: number }, sizes: readonly number[]): number[] {
  const times: number[] = [];
  for (const bytes of sizes) {
    for (let wait = limiter.reserve(bytes); wait > 0; wait = limiter.reserve(bytes)) clock.now += wait;
    times.push(clock.now);
  }
  return times;
}

function maxInAnySecond(times: readonly number[], weights: readonly number[]): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let sum = 0;
    for (let j = i; j < times.length && (times[j] as number) < (times[i] as number) + 1000; j++) sum += weights[j] as number;
    most = Math.max(most, sum);
  }
  return most;
}

t.test('publishes per second: never more than the limit in any second, and no slower than needed', async (t) => {
  const clock = { now: 0 };
  const limiter = new ThroughputLimiter({ maxPublishesPerSecond: 100, maxBytesPerSecond: 1 << 30 }, () => clock.now);
  const times = sendAll(limiter, clock, new Array<number>(1000).fill(100));
  t.equal(maxInAnySecond(times, new Array<number>(1000).fill(1)), 100);
  t.ok((times.at(-1) as number) <= 9_000 + 1, `1,000 publishes in ${times.at(-1)} ms (10 windows)`);
});

t.test('bytes per second: 512 KB/s holds with 100 KB messages, and a message over the limit alone still goes', async (t) => {
  const clock = { now: 0 };
  const limit = 512 * 1024;
  const limiter = new ThroughputLimiter({ maxPublishesPerSecond: 100, maxBytesPerSecond: limit }, () => clock.now);
  const sizes = new Array<number>(50).fill(100 * 1024);
  const times = sendAll(limiter, clock, sizes);
  t.ok(maxInAnySecond(times, sizes) <= limit, 'never over 512 KB in a second');
  t.equal(times.filter((at) => at < 1000).length, 5, 'five 100 KB messages in the first second');
  const big = new ThroughputLimiter({ maxPublishesPerSecond: 100, maxBytesPerSecond: 1024 }, () => clock.now);
  t.equal(big.reserve(4096), 0, 'an oversized message is not held for ever');
  t.ok(big.reserve(10) > 0, 'but the next waits for the window');
});
