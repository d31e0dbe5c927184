/**
 * The delivery suite every transport must pass against a real Mosquitto (MQTT.js's
 * abstract_store.ts pattern): a backlog kept while the broker is down, a broker SIGKILLed
 * mid-drain, mutual TLS right and wrong, refused messages dead-lettered, the rate limit held.
 */
import type { Test } from 'tap';
import type { Outbox } from '../../../agent/outbox/outbox.js';
import { Drainer, type DrainerOptions } from '../../../agent/publish/drainer.js';
import type { Publisher } from '../../../agent/publish/publisher.js';
import { startSubscriber, type Subscriber } from '../../../agent/publish/subscriber/subscriber.js';
import type { TlsFiles } from '../../../agent/publish/tls-files.js';
import { silentLogger } from '../../../agent/log/logger.js';
import { makeTestCerts, type TestCerts } from './certs.js';
import { GatedPublisher } from './gated-publisher.js';
import { createBroker, type Broker, type BrokerOptions } from './mosquitto.js';
import { openTestOutbox } from './outbox.js';
import { makeEntries, makeRecord } from './results.js';
import { until } from './until.js';
import { resultEntry } from '../../../agent/publish/result-entry.js';

/** What the suite needs to make a publisher of one transport. */
export interface TransportUnderTest {
  name: string;
  /** Builds a publisher for the broker at `url` (mqtts:// with client cert when `tls` is given). */
  create(options: { url: string; tls: TlsFiles | undefined; thingName: string; statusTopic: string }): Publisher;
  /** True when the transport only works over mutual TLS (the AWS client, as IoT Core). */
  tlsOnly: boolean;
}

const THING = 'test-device';
const TOPIC = `edge-agent/${THING}/results/person`;
const STATUS = `edge-agent/${THING}/status`;
const fastBackoff = { initialMs: 40, maxMs: 400 };

interface Rig {
  broker: Broker;
  certs: TestCerts;
  outbox: Outbox;
  publisher: GatedPublisher;
  drainer: Drainer;
  subscribe(): Promise<Subscriber>;
}


async function rig(t: Test, transport: TransportUnderTest, drainerOptions: Partial<DrainerOptions>, broker: Partial<BrokerOptions> = {}, clientTls?: 'good' | 'rogue'): Promise<Rig> {
  const dir = t.testdir({});
  const certs = makeTestCerts(dir, THING);
  const b = await createBroker({ dir, tls: { caFile: certs.caFile, certFile: certs.serverCert, keyFile: certs.serverKey, requireCertificate: true }, ...broker });
  t.teardown(() => b.kill('SIGKILL'));
  const useTls = clientTls !== undefined || transport.tlsOnly;
  const tls: TlsFiles | undefined = !useTls
    ? undefined
    : clientTls === 'rogue'
      ? { caFile: certs.caFile, certFile: certs.rogueCert, keyFile: certs.rogueKey }
      : { caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey };
  const url = useTls ? (b.tlsUrl as string) : b.url;
  const publisher = new GatedPublisher(transport.create({ url, tls, thingName: THING, statusTopic: STATUS }));
  const outbox = openTestOutbox(dir);
  const drainer = new Drainer(outbox, publisher, silentLogger(), { backoff: fastBackoff, ...drainerOptions });
  const subscribers: Subscriber[] = [];
  t.teardown(async () => {
    await drainer.stop();
    for (const s of subscribers) await s.close();
    outbox.close();
  });
  return {
    broker: b,
    certs,
    outbox,
    publisher,
    drainer,
    async subscribe() {
      const s = await startSubscriber({ url: b.url, topics: ['edge-agent/#'] });
      subscribers.push(s);
      return s;
    },
  };
}

/** Registers the suite's tests on `t` for one transport. */
export function deliverySuite(t: Test, transport: TransportUnderTest): void {
  t.test(`${transport.name}: 1,000 results kept while the broker is down arrive in seq order`, async (t) => {
    const r = await rig(t, transport, { ratePerSecond: 0 });
    r.outbox.enqueueMany(makeEntries(1000, TOPIC));
    r.drainer.start();
    await until(t, 'a failed connect attempt', () => r.drainer.stats().lastError !== null);
    t.equal(r.drainer.stats().lastError?.name, 'AgentError', 'the broker being down is reported as an AgentError');
    t.equal(r.outbox.status().pendingRows, 1000, 'nothing leaves while the broker is down');
    r.publisher.hold();
    await r.broker.start();
    const sub = await r.subscribe();
    r.publisher.open();
    await until(t, '1,000 results at the subscriber', () => (sub.checker.report().devices[0]?.uniqueResults ?? 0) >= 1000);
    await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
    const device = sub.checker.report().devices[0];
    t.equal(device?.uniqueResults, 1000);
    t.same(device?.gaps, []);
    t.equal(device?.reordered, 0);
    t.equal(device?.firstSeq, 1);
    t.equal(device?.lastSeq, 1000);
    t.same(sub.checker.arrivalOrder(THING), Array.from({ length: 1000 }, (_, i) => i + 1), 'arrival order is seq order');
    t.equal(sub.checker.report().invalid, 0, 'every message matches the schema');
    t.equal(sub.checker.report().statusMessages >= 1, true, 'the retained online status arrived');
  });

  t.test(`${transport.name}: broker SIGKILLed mid-drain and restarted loses nothing`, async (t) => {
    const r = await rig(t, transport, { ratePerSecond: 0, inFlightWindow: 8, inFlightTimeoutMs: 2_000 });
    await r.broker.start();
    let sub = await r.subscribe();
    r.outbox.enqueueMany(makeEntries(1500, TOPIC));
    r.drainer.start();
    await until(t, 'the drain under way', () => (sub.checker.report().devices[0]?.uniqueResults ?? 0) >= 300);
    r.publisher.hold();
    await r.broker.kill('SIGKILL');
    const checker = sub.checker;
    await sub.close().catch(() => {});
    const pendingAtKill = r.outbox.status().pendingRows;
    t.ok(pendingAtKill > 0, `rows still pending when the broker died (${pendingAtKill})`);
    await r.broker.start();
    sub = await startSubscriber({ url: r.broker.url, topics: ['edge-agent/#'], checker });
    t.teardown(() => sub.close());
    r.publisher.open();
    await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
    await until(t, '1,500 results at the subscriber', () => (checker.report().devices[0]?.uniqueResults ?? 0) >= 1500);
    const device = checker.report().devices[0];
    t.equal(device?.uniqueResults, 1500);
    t.same(device?.gaps, [], 'no seq missing');
    t.ok(r.drainer.stats().connectionsLost >= 1, 'the drainer saw the connection go');
  });

  t.test(`${transport.name}: mutual TLS delivers; a client certificate from another CA is refused clearly`, async (t) => {
    t.test('right certificate', async (t) => {
      const r = await rig(t, transport, {}, {}, 'good');
      await r.broker.start();
      const sub = await r.subscribe();
      r.outbox.enqueueMany(makeEntries(20, TOPIC));
      r.drainer.start();
      await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
      await until(t, '20 results', () => (sub.checker.report().devices[0]?.uniqueResults ?? 0) >= 20);
      t.equal(sub.checker.report().devices[0]?.uniqueResults, 20);
    });
    t.test('wrong certificate', async (t) => {
      const r = await rig(t, transport, {}, {}, 'rogue');
      await r.broker.start();
      const sub = await r.subscribe();
      r.outbox.enqueueMany(makeEntries(20, TOPIC));
      r.drainer.start();
      await until(t, 'two failed connects', () => r.publisher.connectAttempts >= 2 && r.drainer.stats().lastError !== null);
      const err = r.drainer.stats().lastError as Error & { code?: string };
      t.equal(err.code, 'EDGE_PUBLISH_TLS_REJECTED', `error names the cause: ${err.message}`);
      t.match(err.message, /certificate/);
      t.equal(r.outbox.status().pendingRows, 20, 'rows stay pending');
      t.equal(sub.checker.report().devices.length, 0, 'nothing reached the subscriber');
    });
  });

  t.test(`${transport.name}: refused messages are dead-lettered and the queue moves on`, async (t) => {
    const r = await rig(t, transport, {}, { messageSizeLimit: 4096, acl: 'pattern readwrite edge-agent/#\npattern read forbidden/#\n' });
    await r.broker.start();
    const sub = await r.subscribe();
    const big = makeRecord(1);
    big.detections = Array.from({ length: 60 }, (_, i) => ({ label: `person-${i}`, score: 0.5, box: { x: i, y: i, width: 10, height: 10 } }));
    const rows = r.outbox.enqueueMany([
      resultEntry(makeRecord(0), TOPIC),
      resultEntry(big, TOPIC),
      resultEntry(makeRecord(2), 'forbidden/results'),
      resultEntry(makeRecord(3), TOPIC),
    ]);
    t.ok((rows[1]?.bytes ?? 0) > 4096, 'the big row is over the broker limit');
    r.drainer.start();
    await until(t, 'an empty outbox', () => r.outbox.status().pendingRows === 0);
    await until(t, 'two results at the subscriber', () => (sub.checker.report().devices[0]?.uniqueResults ?? 0) >= 2);
    t.equal(r.outbox.status().deadRows, 2, 'too large and not authorized are dead-lettered');
    t.equal(r.drainer.stats().rowsDeadLettered, 2);
    t.same(sub.checker.arrivalOrder(THING), [1, 4], 'the rows after the refused ones were delivered');
  });

  t.test(`${transport.name}: the rate limit holds at the subscriber`, async (t) => {
    const ratePerSecond = 40;
    const r = await rig(t, transport, { ratePerSecond });
    await r.broker.start();
    const arrivals: number[] = [];
    const sub = await startSubscriber({
      url: r.broker.url,
      topics: [TOPIC],
      onMessage: () => arrivals.push(performance.now()),
    });
    t.teardown(() => sub.close());
    r.outbox.enqueueMany(makeEntries(100, TOPIC));
    r.drainer.start();
    await until(t, '100 results', () => arrivals.length >= 100);
    t.equal(maxInWindow(r.publisher.publishTimesMs, 1000) <= ratePerSecond, true, `at most ${ratePerSecond} publishes in any second at the sender`);
    // Arrival jitter can bunch a few messages; a limiter that is off would put all 100 in one second.
    const seen = maxInWindow(arrivals, 1000);
    t.ok(seen <= ratePerSecond * 1.25, `at most ${ratePerSecond * 1.25} arrivals in any second at the subscriber (saw ${seen})`);
  });
}

/** The largest number of timestamps inside any window of `windowMs`. */
export function maxInWindow(timesMs: readonly number[], windowMs: number): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
