/**
 * Publish throughput against a loopback Mosquitto started for the run: raw mqtt.js QoS 1
 * pipelined publishes (the floor any drainer sits on), the drain rate of a 100,000-result
 * backlog one result per message with the rate limit off, the same with batching, and the
 * enqueue rate the pipeline sees while the drainer works. Prints numbers; asserts nothing.
 * Run alone: `node --import tsx test/bench/publish.ts [backlogRows]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { silentLogger } from '../../agent/log/logger.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';
import { Drainer, type DrainerOptions } from '../../agent/publish/drainer.js';
import { MESSAGE_CONTENT_TYPE } from '../../agent/publish/messages.js';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { createBroker } from '../publish/helpers/mosquitto.js';
import { makeEntries } from '../publish/helpers/results.js';

/** The measured rates. */
export interface PublishBenchResult {
  payloadBytes: number;
  rawQos1PerSecond: number;
  /** The same, each publish carrying the drainer's MQTT 5 properties. */
  rawQos1WithPropertiesPerSecond: number;
  backlogRows: number;
  drainPerSecond: number;
  drainRatioToRaw: number;
  drainRatioToRawWithProperties: number;
  batchedDrainResultsPerSecond: number;
  batchedMessages: number;
  enqueuePerSecondWhileDraining: number;
  enqueuePerSecondIdle: number;
}

const TOPIC = 'edge-agent/bench-device/results/person';

/**
 * mqtt.js alone, every publish issued at once (no window). `withProperties` sends what the
 * drainer sends for one result (content type and the seq, resultId and kind user properties);
 * without them it is the plainest QoS 1 publish mqtt.js can make.
 */
async function rawQos1Rate(url: string, payload: string, count: number, withProperties: boolean): Promise<number> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'bench-raw' });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const properties = { contentType: MESSAGE_CONTENT_TYPE, userProperties: { seq: String(i + 1), resultId: `01JBENCH${String(i).padStart(18, '0')}`, kind: 'result' } };
      return client.publishAsync(TOPIC, payload, withProperties ? { qos: 1, properties } : { qos: 1 });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync();
  return Math.round(count / seconds);
}

async function drain(dir: string, url: string, rows: number, options: Partial<DrainerOptions>, name: string): Promise<{ perSecond: number; messages: number }> {
  const logger = silentLogger();
  const outbox = SqliteOutbox.open({ path: join(dir, `${name}.sqlite`), logger, diskReserveBytes: 0 });
  for (let i = 0; i < rows; i += 1000) outbox.enqueueMany(makeEntries(Math.min(1000, rows - i), TOPIC, 'bench-device'));
  const publisher = new MqttPublisher({ url, thingName: `bench-${name}`, deviceId: 'bench-device', statusTopic: 'edge-agent/bench-device/status', logger });
  const drainer = new Drainer(outbox, publisher, logger, { ratePerSecond: 0, inFlightWindow: 256, ackFlushRows: 1000, ...options });
  const started = performance.now();
  drainer.start();
  while (outbox.status().pendingRows > 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  const messages = drainer.stats().messagesSent;
  await drainer.stop();
  outbox.close();
  return { perSecond: Math.round(rows / seconds), messages };
}

/** Enqueue one row per transaction for `ms`, as the pipeline does, with or without a drainer running. */
async function enqueueRate(dir: string, url: string | null, ms: number, name: string): Promise<number> {
  const logger = silentLogger();
  const outbox = SqliteOutbox.open({ path: join(dir, `${name}.sqlite`), logger, diskReserveBytes: 0 });
  outbox.enqueueMany(makeEntries(20_000, TOPIC, 'bench-device'));
  let drainer: Drainer | undefined;
  if (url !== null) {
    drainer = new Drainer(outbox, new MqttPublisher({ url, thingName: `bench-${name}`, deviceId: 'bench-device', statusTopic: 'edge-agent/bench-device/status', logger }), logger, { ratePerSecond: 0, inFlightWindow: 256 });
    drainer.start();
  }
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    // Small slices so the drainer's callbacks run between them, as they would between frames;
    // fresh entries each time, because a resultId is stored once.
    for (const entry of makeEntries(20, TOPIC, 'bench-device')) outbox.enqueue(entry);
    n += 20;
    await new Promise((r) => setImmediate(r));
  }
  const seconds = (performance.now() - started) / 1000;
  await drainer?.stop();
  outbox.close();
  return Math.round(n / seconds);
}

/** Runs every case against a fresh Mosquitto and returns the rates. */
export async function runPublishBench(backlogRows = 100_000): Promise<PublishBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'publish-bench-'));
  const broker = await createBroker({ dir });
  await broker.start();
  try {
    const payload = JSON.stringify({ ...(makeEntries(1, TOPIC)[0]?.payload ?? {}), seq: 1 });
    const raw = await rawQos1Rate(broker.url, payload, 50_000, false);
    const rawWithProperties = await rawQos1Rate(broker.url, payload, 50_000, true);
    const single = await drain(dir, broker.url, backlogRows, {}, 'single');
    const batched = await drain(dir, broker.url, backlogRows, { batch: { maxResults: 200, maxBytes: 128 * 1024, minBacklogRows: 10 } }, 'batched');
    // Enqueue uses a fresh outbox each time: the duplicate-resultId rule would refuse reused entries.
    const idle = await enqueueRate(dir, null, 2_000, 'enqueue-idle');
    const busy = await enqueueRate(dir, broker.url, 2_000, 'enqueue-busy');
    return {
      payloadBytes: Buffer.byteLength(payload),
      rawQos1PerSecond: raw,
      rawQos1WithPropertiesPerSecond: rawWithProperties,
      backlogRows,
      drainPerSecond: single.perSecond,
      drainRatioToRaw: Math.round((single.perSecond / raw) * 100) / 100,
      drainRatioToRawWithProperties: Math.round((single.perSecond / rawWithProperties) * 100) / 100,
      batchedDrainResultsPerSecond: batched.perSecond,
      batchedMessages: batched.messages,
      enqueuePerSecondWhileDraining: busy,
      enqueuePerSecondIdle: idle,
    };
  } finally {
    await broker.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The numbers as lines for a person. */
export function formatPublishBench(r: PublishBenchResult): string {
  return [
    `payload                         ${r.payloadBytes} bytes`,
    `raw mqtt.js QoS 1 pipelined     ${r.rawQos1PerSecond} msg/s`,
    `raw, with the MQTT 5 properties  ${r.rawQos1WithPropertiesPerSecond} msg/s`,
    `drain ${r.backlogRows} backlog, 1/msg  ${r.drainPerSecond} results/s (${r.drainRatioToRaw} of raw, ${r.drainRatioToRawWithProperties} of raw with properties)`,
    `drain with batching             ${r.batchedDrainResultsPerSecond} results/s in ${r.batchedMessages} messages`,
    `enqueue, 1 row/txn, idle        ${r.enqueuePerSecondIdle} rows/s`,
    `enqueue, 1 row/txn, draining    ${r.enqueuePerSecondWhileDraining} rows/s`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? 100_000);
  console.log('publish throughput (loopback Mosquitto)');
  console.log(formatPublishBench(await runPublishBench(rows)));
}
