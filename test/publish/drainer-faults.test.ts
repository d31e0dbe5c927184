/**
 * The drainer under faults: stop while a connect hangs or sends are unanswered, a message the
 * broker never acknowledges, an outbox that throws for a while (each call path), and two devices
 * sharing one client id on a real Mosquitto.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Drainer, type DrainerOptions } from '../../agent/publish/drainer.js';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import type { Outbox } from '../../agent/outbox/outbox.js';
import { captureLog } from './helpers/captured-log.js';
import { createBroker } from './helpers/mosquitto.js';
import { openTestOutbox } from './helpers/outbox.js';
import { makeEntries } from './helpers/results.js';
import { startScriptedBroker, type ScriptedBroker } from './helpers/scripted-broker.js';
import { until } from './helpers/until.js';

const TOPIC = 'edge-agent/test-device/results/person';
const backoff = { initialMs: 20, maxMs: 200 };

function mqtt(url: string, clientId = 'test-device', protocolVersion: 4 | 5 = 5): MqttPublisher {
  return new MqttPublisher({ url, thingName: clientId, deviceId: 'test-device', statusTopic: 'edge-agent/test-device/status', logger: silentLogger(), protocolVersion });
}

async function scripted(t: Test): Promise<ScriptedBroker> {
  const broker = await startScriptedBroker();
  t.teardown(() => broker.close());
  return broker;
}

function open(t: Test, dir = t.testdir({})): Outbox {
  const outbox = openTestOutbox(dir);
  t.teardown(() => outbox.close());
  return outbox;
}

t.test('stop while the connect hangs: stop resolves, rows stay pending', async (t) => {
  const broker = await scripted(t);
  broker.silentConnect = true;
  const outbox = open(t);
  outbox.enqueueMany(makeEntries(10, TOPIC));
  const drainer = new Drainer(outbox, mqtt(broker.url), silentLogger(), { backoff });
  drainer.start();
  await until(t, 'a connect under way', () => broker.connections >= 1);
  await drainer.stop();
  t.equal(outbox.status().pendingRows, 10, 'every row still pending');
  t.equal(drainer.stats().connects, 0);
});

t.test('stop while sends are unacknowledged: in-flight sends are abandoned to the outbox, resent later', async (t) => {
  const broker = await scripted(t);
  // The online status is acknowledged; results are not.
  broker.shouldAck = (_c, _n, payload) => !payload.includes('"resultId"');
  const dir = t.testdir({});
  const outbox = open(t, dir);
  outbox.enqueueMany(makeEntries(20, TOPIC));
  const drainer = new Drainer(outbox, mqtt(broker.url), silentLogger(), { backoff, ratePerSecond: 0, inFlightWindow: 8, inFlightTimeoutMs: 600_000 });
  drainer.start();
  await until(t, 'eight sends in flight', () => drainer.stats().messagesSent >= 8);
  await drainer.stop();
  t.equal(outbox.status().pendingRows, 20, 'nothing acknowledged, nothing lost');
  const next = outbox.nextPending(20);
  t.same(next.map((r) => r.attempts), new Array<number>(20).fill(0), 'a stop is not a failed attempt');
  broker.shouldAck = () => true;
  const again = new Drainer(outbox, mqtt(broker.url), silentLogger(), { backoff, ratePerSecond: 0 });
  again.start();
  t.teardown(() => again.stop());
  await until(t, 'the rows resent and acknowledged', () => outbox.status().pendingRows === 0);
});

t.test('a message never acknowledged is dead-lettered after maxAttempts with its reason; the rest are delivered', async (t) => {
  const broker = await scripted(t);
  const entries = makeEntries(10, TOPIC);
  const poison = entries[2]?.resultId as string;
  broker.shouldAck = (_c, _n, payload) => !payload.includes(poison);
  const dir = t.testdir({});
  const outbox = open(t, dir);
  outbox.enqueueMany(entries);
  const drainer = new Drainer(outbox, mqtt(broker.url), silentLogger(), { backoff, ratePerSecond: 0, maxAttempts: 3, inFlightTimeoutMs: 300 });
  drainer.start();
  t.teardown(() => drainer.stop());
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  t.equal(outbox.status().deadRows, 1, 'one dead letter');
  const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
  const dead = db.prepare('SELECT seq, attempts, reason FROM dead_letter').all() as { seq: number; attempts: number; reason: string }[];
  db.close();
  t.equal(dead[0]?.seq, 3, 'the row the broker never acknowledged');
  t.match(dead[0]?.reason, /no acknowledgement after 3 sends \(publish\.maxAttempts 3\); last: Expected a PUBACK within 300 ms/);
  t.equal(broker.acked.filter((a) => a.topic === TOPIC).length >= 9, true, 'the other nine were acknowledged');
});

/** A real SqliteOutbox whose chosen method throws while `failing` is true. */
function flaky(outbox: Outbox, method: 'nextPending' | 'markDelivered' | 'compact'): { outbox: Outbox; failing: boolean; calls: number } {
  const state = { outbox, failing: true, calls: 0 };
  state.outbox = new Proxy(outbox, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== method || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return (...args: unknown[]) => {
        state.calls += 1;
        if (state.failing) throw Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return state;
}

const outboxPaths: ['nextPending' | 'markDelivered' | 'compact', string, Partial<DrainerOptions>][] = [
  ['nextPending', 'read', {}],
  // Acks are written from a timer (ackFlushMs) and from the publish callback (ackFlushRows).
  ['markDelivered', 'acknowledge', { ackFlushRows: 4 }],
  ['compact', 'compact', {}],
];

for (const [method, operation, options] of outboxPaths) {
  t.test(`the outbox fails in ${method} (${operation}): logged once, counted, retried; the process stays up and delivery resumes`, async (t) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err);
    };
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    t.teardown(() => {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
    });
    const broker = await scripted(t);
    const dir = t.testdir({});
    const real = open(t, dir);
    real.enqueueMany(makeEntries(30, TOPIC));
    const box = flaky(real, method);
    const log = captureLog('info');
    const drainer = new Drainer(box.outbox, mqtt(broker.url), log.logger, { backoff, ratePerSecond: 0, ...options });
    drainer.start();
    t.teardown(() => drainer.stop());
    await until(t, 'several failed calls', () => box.calls >= 4);
    t.ok((drainer.stats().outboxFailures[operation] ?? 0) >= 3, `counted under ${operation} (${drainer.stats().outboxFailures[operation]})`);
    box.failing = false;
    await until(t, 'every row delivered', () => real.status().pendingRows === 0);
    if (method === 'compact') {
      const stored = (): number => {
        const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
        const n = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
        db.close();
        return n;
      };
      await until(t, 'the acknowledged rows compacted', () => stored() === 0);
    }
    await until(t, 'the recovery line', () => log.lines.some((l) => l.msg.startsWith('publish: the outbox answers again')));
    const failed = log.warnings().filter((l) => l.msg.startsWith('publish: the outbox failed'));
    t.equal(failed.length, 1, 'logged once');
    t.match(failed[0]?.msg, /SQLITE_FULL.*nothing is lost; check the data directory/);
    real.enqueueMany(makeEntries(5, TOPIC));
    drainer.notify();
    await until(t, 'later rows delivered too', () => real.status().pendingRows === 0);
    t.same(unhandled, [], 'nothing thrown from a callback or timer');
  });
}

for (const version of [5, 4] as const) {
  t.test(`two devices with one client id (MQTT ${version === 5 ? '5' : '3.1.1'}): a takeover line naming the id, counted, backing off`, async (t) => {
    const dir = t.testdir({});
    const broker = await createBroker({ dir });
    await broker.start();
    t.teardown(() => broker.kill('SIGKILL'));
    const drainers = [0, 1].map((i) => {
      const outbox = open(t, join(dir, String(i)));
      outbox.enqueueMany(makeEntries(5, TOPIC));
      const log = captureLog('info');
      const drainer = new Drainer(outbox, mqtt(broker.url, 'shared-id', version), log.logger, { backoff, ratePerSecond: 0, clientId: 'shared-id', stableConnectionMs: 60_000 });
      drainer.start();
      t.teardown(() => drainer.stop());
      return { drainer, log };
    });
    const takenOver = (d: Drainer): number => d.stats().connectionLosses['session-taken-over'] ?? 0;
    await until(t, 'each device taken over three times', () => drainers.every((d) => takenOver(d.drainer) >= 3), 60_000);
    for (const [i, d] of drainers.entries()) {
      const lines = d.log.warnings().filter((l) => l.msg.includes('another client with the same client id'));
      t.equal(lines.length, 1, `device ${i}: one takeover line however many takeovers (${takenOver(d.drainer)})`);
      t.match(lines[0]?.msg, /session "shared-id".*set publish\.clientId or a unique deviceId/);
    }
  });
}

// Mosquitto 2.0 closes the older connection without a DISCONNECT; AWS IoT Core and newer brokers
// send DISCONNECT 0x8e, which the scripted broker sends here.
t.test('DISCONNECT 0x8e (session taken over): named with the reason code, counted, backing off', async (t) => {
  const broker = await scripted(t);
  broker.takeOverAfterMs = 30;
  const outbox = open(t);
  const log = captureLog('info');
  const drainer = new Drainer(outbox, mqtt(broker.url, 'shared-id'), log.logger, { backoff: { initialMs: 40, maxMs: 320 }, clientId: 'shared-id' });
  drainer.start();
  t.teardown(() => drainer.stop());
  await until(t, 'six takeovers', () => (drainer.stats().connectionLosses['session-taken-over'] ?? 0) >= 6);
  const lines = log.warnings();
  t.equal(lines.length, 1, 'one warning in all');
  t.match(lines[0]?.msg, /session "shared-id".*reason code 0x8e \(session taken over\).*set publish\.clientId/);
  t.equal((drainer.stats().lastError as { code?: string }).code, 'EDGE_PUBLISH_SESSION_TAKEN_OVER');
  t.equal(drainer.stats().connectionLosses.disconnected, undefined, 'every loss classified as a takeover');
});
