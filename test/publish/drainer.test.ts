import t, { type Test } from 'tap';
import { until } from './helpers/until.js';
import { spawn } from 'node:child_process';
import { Drainer } from '../../agent/publish/drainer.js';
import { startHeartbeat } from '../../agent/publish/heartbeat.js';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { MessageValidator } from '../../agent/publish/subscriber/message-validator.js';
import { startSubscriber } from '../../agent/publish/subscriber/subscriber.js';
import { silentLogger } from '../../agent/log/logger.js';
import type { Outbox } from '../../agent/outbox/outbox.js';
import { openTestOutbox } from './helpers/outbox.js';
import { makeEntries, makeRecord } from './helpers/results.js';
import { startScriptedBroker, type ScriptedBroker } from './helpers/scripted-broker.js';
import { createBroker } from './helpers/mosquitto.js';
import { repoRoot } from '../helpers/shared.js';
import { ulid } from 'ulid';
import { join } from 'node:path';
import { OutboxReader } from '../../agent/outbox/outbox-reader.js';
import Database from 'better-sqlite3';

const TOPIC = 'edge-agent/test-device/results/person';
const fastBackoff = { initialMs: 20, maxMs: 200 };


function seqsOf(payloads: readonly string[]): number[] {
  return payloads.flatMap((p) => {
    const m = JSON.parse(p) as { seq?: number; kind?: string; results?: { seq: number }[] };
    if (m.kind === 'batch') return (m.results ?? []).map((r) => r.seq);
    return m.seq === undefined ? [] : [m.seq];
  });
}

async function setup(
  t: Test,
  options: ConstructorParameters<typeof Drainer>[3] = {},
  maxPayloadBytes?: number,
  dir: string = t.testdir({}),
): Promise<{ broker: ScriptedBroker; outbox: Outbox; drainer: Drainer }> {
  const broker = await startScriptedBroker();
  const outbox = openTestOutbox(dir);
  const publisher = new MqttPublisher({
    url: broker.url,
    thingName: 'test-device',
    deviceId: 'test-device',
    statusTopic: 'edge-agent/test-device/status',
    logger: silentLogger(),
    ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
  });
  const drainer = new Drainer(outbox, publisher, silentLogger(), { ratePerSecond: 0, backoff: fastBackoff, ...options });
  t.teardown(async () => {
    await drainer.stop();
    outbox.close();
    await broker.close();
  });
  return { broker, outbox, drainer };
}

const resultPayloads = (b: ScriptedBroker): string[] => b.acked.filter((a) => a.topic === TOPIC).map((a) => a.payload);

t.test('a broker that accepts and then stops acknowledging: in-flight timeout, reconnect, nothing lost', async (t) => {
  const { broker, outbox, drainer } = await setup(t, { inFlightTimeoutMs: 300, inFlightWindow: 8 });
  // The first connection acknowledges the online status and 50 results, then goes silent.
  broker.shouldAck = (connection, n) => connection > 1 || n <= 51;
  outbox.enqueueMany(makeEntries(200, TOPIC));
  drainer.start();
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  t.ok(broker.connections >= 2, 'the drainer reconnected');
  t.equal(drainer.stats().lastError?.message.includes('PUBACK'), true, 'the last error names the missing PUBACK');
  t.equal((drainer.stats().lastError as { code?: string }).code, 'EDGE_PUBLISH_ACK_TIMEOUT');
  const seqs = seqsOf(resultPayloads(broker));
  t.same([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1), 'every seq acknowledged');
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'acknowledged in seq order');
});

t.test('image bytes never leave: a stored payload with base64 is dead-lettered, the queue moves on', async (t) => {
  const { broker, outbox, drainer } = await setup(t);
  const smuggled = { ...makeRecord(1), thumbnail: Buffer.alloc(600, 7).toString('base64') };
  outbox.enqueueMany([
    { resultId: ulid(), topic: TOPIC, payload: { ...makeRecord(0) } },
    { resultId: smuggled.resultId, topic: TOPIC, payload: smuggled },
    { resultId: ulid(), topic: TOPIC, payload: { ...makeRecord(2) } },
  ]);
  drainer.start();
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  t.equal(outbox.status().deadRows, 1);
  t.same(seqsOf(resultPayloads(broker)), [1, 3], 'the row with image bytes was never sent');
  t.notOk(broker.acked.some((a) => a.payload.includes('thumbnail')), 'no payload carried the base64 field');
});

t.test('a row bigger than the transport accepts is dead-lettered without sending', async (t) => {
  const { broker, outbox, drainer } = await setup(t, {}, 2048);
  const big = makeRecord(1);
  big.detections = Array.from({ length: 40 }, (_, i) => ({ label: `thing-${i}`, score: 0.5, box: { x: i, y: i, width: 1, height: 1 } }));
  outbox.enqueueMany([
    { resultId: ulid(), topic: TOPIC, payload: { ...makeRecord(0) } },
    { resultId: big.resultId, topic: TOPIC, payload: { ...big } },
    { resultId: ulid(), topic: TOPIC, payload: { ...makeRecord(2) } },
  ]);
  drainer.start();
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  t.equal(drainer.stats().rowsDeadLettered, 1);
  t.same(seqsOf(resultPayloads(broker)), [1, 3]);
});

t.test('batching a backlog: fewer messages, each within the byte limit and valid, seqs in order', async (t) => {
  const { broker, outbox, drainer } = await setup(t, { batch: { maxResults: 50, maxBytes: 16 * 1024, minBacklogRows: 10 } });
  outbox.enqueueMany(makeEntries(500, TOPIC));
  drainer.start();
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  const payloads = resultPayloads(broker);
  t.ok(payloads.length < 500 && payloads.length >= 10, `500 results went in ${payloads.length} messages`);
  t.ok(payloads.every((p) => Buffer.byteLength(p) <= 16 * 1024), 'no message over maxBytes');
  const validator = new MessageValidator();
  t.same(payloads.map((p) => validator.validate(p).ok).filter((ok) => !ok), [], 'every batch matches the schema');
  t.same(seqsOf(payloads), Array.from({ length: 500 }, (_, i) => i + 1));
});

t.test('after a restart the drainer resumes from the database and does not resend delivered rows', async (t) => {
  const dir = t.testdir({});
  const broker = await startScriptedBroker();
  t.teardown(() => broker.close());
  const make = (outbox: Outbox): Drainer =>
    new Drainer(outbox, new MqttPublisher({ url: broker.url, thingName: 'd', deviceId: 'd', statusTopic: 'edge-agent/d/status', logger: silentLogger() }), silentLogger(), { ratePerSecond: 0, backoff: fastBackoff });
  let outbox = openTestOutbox(dir);
  outbox.enqueueMany(makeEntries(100, TOPIC));
  let drainer = make(outbox);
  drainer.start();
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  await drainer.stop();
  outbox.close();
  outbox = openTestOutbox(dir);
  outbox.enqueueMany(makeEntries(50, TOPIC));
  drainer = make(outbox);
  drainer.start();
  await until(t, 'an empty outbox again', () => outbox.status().pendingRows === 0);
  await drainer.stop();
  outbox.close();
  t.same(seqsOf(resultPayloads(broker)), Array.from({ length: 150 }, (_, i) => i + 1), 'each seq sent once, in order');
});

t.test('the agent SIGKILLed mid-drain and restarted: nothing lost, duplicates bounded', async (t) => {
  const dir = t.testdir({});
  const broker = await createBroker({ dir });
  await broker.start();
  t.teardown(() => broker.kill('SIGKILL'));
  const sub = await startSubscriber({ url: broker.url, topics: [TOPIC] });
  t.teardown(() => sub.close());
  const seed = openTestOutbox(dir);
  seed.enqueueMany(makeEntries(2000, TOPIC));
  seed.close();
  const window = 16;
  const startChild = (): ReturnType<typeof spawn> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/publish/helpers/drain-child.ts', dir, broker.url, String(window)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return child;
  };
  const count = (): number => sub.checker.report().devices[0]?.uniqueResults ?? 0;
  const first = startChild();
  await until(t, 'the drain under way', () => count() >= 500);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  t.ok(count() < 2000, `killed mid-drain (${count()} of 2000 delivered)`);
  startChild();
  await until(t, 'all 2,000 results', () => count() >= 2000);
  const device = sub.checker.report().devices[0];
  t.equal(device?.uniqueResults, 2000);
  t.same(device?.gaps, [], 'no seq missing');
  t.ok((device?.duplicates ?? 0) <= 2 * window, `duplicates (${device?.duplicates}) at most the in-flight window plus unflushed acks (${2 * window})`);
  // The child still has the file open; read it as `edge-agent outbox status` does.
  const reader = OutboxReader.open(join(dir, 'outbox.sqlite'));
  await until(t, 'an empty outbox', () => reader.status().pendingRows === 0);
  reader.close();
});

t.test('the heartbeat goes out while connected, valid against its schema, with the outbox depth', async (t) => {
  const { broker, outbox, drainer } = await setup(t);
  outbox.enqueueMany(makeEntries(3, 'other/topic'));
  const publisher = (drainer as unknown as { publisher: MqttPublisher }).publisher;
  drainer.start();
  await until(t, 'connected', () => publisher.isReady());
  const stop = startHeartbeat({ publisher, outbox, topic: 'edge-agent/test-device/heartbeat', deviceId: 'test-device', intervalMs: 50, metrics: () => ({ frameRate: 2, inferenceLatencyMs: 31.5 }), logger: silentLogger() });
  t.teardown(stop);
  await until(t, 'a heartbeat', () => broker.acked.some((a) => a.topic.endsWith('/heartbeat')));
  const beat = broker.acked.find((a) => a.topic.endsWith('/heartbeat'));
  const v = new MessageValidator().validate(beat?.payload ?? '');
  t.equal(v.ok, true, 'valid heartbeat');
  const body = JSON.parse(beat?.payload ?? '{}') as { outbox: { lastSeq: number }; inferenceLatencyMs: number };
  t.equal(body.outbox.lastSeq, 3);
  t.equal(body.inferenceLatencyMs, 31.5);
});

t.test('once the backlog is delivered, the idle drainer deletes the acknowledged rows from the table', async (t) => {
  const dir = t.testdir({});
  const { outbox, drainer } = await setup(t, {}, undefined, dir);
  outbox.enqueueMany(makeEntries(3_000, TOPIC));
  drainer.start();
  await until(t, 'an empty outbox', () => outbox.status().pendingRows === 0);
  const storedRows = (): number => {
    const db = new Database(join(dir, 'outbox.sqlite'), { readonly: true });
    const n = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    db.close();
    return n;
  };
  await until(t, 'no acknowledged row left in the table', () => storedRows() === 0);
  t.equal(outbox.status().pendingRows, 0);
  outbox.enqueueMany(makeEntries(10, TOPIC));
  await until(t, 'later rows still delivered', () => outbox.status().pendingRows === 0);
});
