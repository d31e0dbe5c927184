import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GreengrassPublisher } from '../../agent/publish/greengrass-publisher.js';
import { Drainer, type DrainerOptions } from '../../agent/publish/drainer.js';
import { DeliveryChecker } from '../../agent/publish/subscriber/delivery-checker.js';
import { silentLogger } from '../../agent/log/logger.js';
import type { Outbox } from '../../agent/outbox/outbox.js';
import { openTestOutbox } from './helpers/outbox.js';
import { makeEntries } from './helpers/results.js';
import { startNucleusDouble, type NucleusDouble } from './helpers/nucleus-double.js';
import { until } from './helpers/until.js';
import { maxInWindow } from './helpers/delivery-suite.js';

const TOPIC = 'edge-agent/test-device/results/person';
const TOKEN = 'svcuid-test-token';

interface Rig {
  nucleus: NucleusDouble;
  outbox: Outbox;
  drainer: Drainer;
  checker(): DeliveryChecker;
}

async function rig(t: Test, options: Partial<DrainerOptions> = {}, token = TOKEN, startNucleus = true): Promise<Rig> {
  // Unix socket paths are limited to about 100 bytes, so not under tap's long fixture paths.
  const sockDir = mkdtempSync(join(tmpdir(), 'gg-'));
  const socketPath = join(sockDir, 'ipc.socket');
  const nucleus = await startNucleusDouble(socketPath, TOKEN);
  if (!startNucleus) await nucleus.stop();
  const outbox = openTestOutbox(t.testdir({}));
  const publisher = new GreengrassPublisher({ socketPath, authToken: token, logger: silentLogger() });
  const drainer = new Drainer(outbox, publisher, silentLogger(), { ratePerSecond: 0, backoff: { initialMs: 20, maxMs: 200 }, inFlightTimeoutMs: 2_000, ...options });
  t.teardown(async () => {
    await drainer.stop();
    outbox.close();
    await nucleus.stop();
    rmSync(sockDir, { recursive: true, force: true });
  });
  return {
    nucleus,
    outbox,
    drainer,
    checker() {
      const c = new DeliveryChecker();
      for (const p of nucleus.published) c.accept(p.topicName, p.payload);
      return c;
    },
  };
}

t.test('greengrass: 1,000 results kept while the nucleus is away arrive in seq order', async (t) => {
  const r = await rig(t, {}, TOKEN, false);
  r.outbox.enqueueMany(makeEntries(1000, TOPIC));
  r.drainer.start();
  await until(t, 'a failed connect', () => r.drainer.stats().lastError !== null);
  t.equal((r.drainer.stats().lastError as { code?: string }).code, 'EDGE_PUBLISH_IPC_UNAVAILABLE');
  t.equal(r.outbox.status().pendingRows, 1000);
  await r.nucleus.start();
  await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
  const c = r.checker();
  const d = c.report().devices[0];
  t.equal(d?.uniqueResults, 1000);
  t.same(d?.gaps, []);
  t.same(c.arrivalOrder('test-device'), Array.from({ length: 1000 }, (_, i) => i + 1));
  t.equal(c.report().invalid, 0);
  const first = r.nucleus.published[0];
  t.equal(first?.qos, '1', 'QoS 1');
  t.equal(first?.contentType, 'application/json');
  t.same(first?.userProperties?.find((p) => p.key === 'seq'), { key: 'seq', value: '1' });
});

t.test('greengrass: a wrong SVCUID is refused clearly and rows stay pending', async (t) => {
  const r = await rig(t, {}, 'not-the-token');
  r.outbox.enqueueMany(makeEntries(10, TOPIC));
  r.drainer.start();
  await until(t, 'two refused connections', () => r.nucleus.refusedConnections >= 2 && r.drainer.stats().lastError !== null);
  const err = r.drainer.stats().lastError as Error & { code?: string };
  t.equal(err.code, 'EDGE_PUBLISH_IPC_UNAVAILABLE');
  t.match(err.message, /SVCUID/);
  t.equal(r.outbox.status().pendingRows, 10);
  t.equal(r.nucleus.published.length, 0);
});

t.test('greengrass: the nucleus killed mid-drain and restarted loses nothing', async (t) => {
  const r = await rig(t, { inFlightWindow: 8 });
  r.outbox.enqueueMany(makeEntries(1000, TOPIC));
  r.drainer.start();
  await until(t, 'the drain under way', () => r.nucleus.published.length >= 300);
  await r.nucleus.stop();
  t.ok(r.outbox.status().pendingRows > 0, 'rows pending when the nucleus went away');
  await r.nucleus.start();
  await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
  const d = r.checker().report().devices[0];
  t.equal(d?.uniqueResults, 1000);
  t.same(d?.gaps, []);
  t.ok(r.drainer.stats().connectionsLost >= 1);
});

t.test('greengrass: UnauthorizedError dead-letters; ServiceError is retried', async (t) => {
  const r = await rig(t);
  let serviceErrors = 0;
  r.nucleus.answer = (req) => {
    const seq = (JSON.parse(req.payload) as { seq: number }).seq;
    if (seq === 2) return 'unauthorized';
    if (seq === 3 && serviceErrors++ === 0) return 'service-error';
    return 'ok';
  };
  r.outbox.enqueueMany(makeEntries(5, TOPIC));
  r.drainer.start();
  await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
  t.equal(r.outbox.status().deadRows, 1, 'only the unauthorized row is dead');
  t.same([...new Set(r.checker().arrivalOrder('test-device'))].sort((a, b) => a - b), [1, 3, 4, 5]);
  t.equal(serviceErrors >= 1, true, 'the ServiceError happened and seq 3 still arrived');
});

t.test('greengrass: the rate limit holds', async (t) => {
  const r = await rig(t, { ratePerSecond: 40 });
  const times: number[] = [];
  r.nucleus.answer = () => {
    times.push(performance.now());
    return 'ok';
  };
  r.outbox.enqueueMany(makeEntries(100, TOPIC));
  r.drainer.start();
  await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
  const seen = maxInWindow(times, 1000);
  t.ok(seen <= 50, `at most 40 (plus jitter) publishes in any second at the nucleus (saw ${seen})`);
});
