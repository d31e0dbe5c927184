/**
 * Measures publishing while offline, with the schema's defaults (reconnect 1 s to 5 min, log
 * level info): connect attempts and log bytes during OFFLINE_SECONDS (60 in docs/publishing.md) of an
 * unreachable broker with results arriving at 10 per second, the attempts and time to reconnect
 * once a real Mosquitto comes up, and how long stop() takes offline and online. Prints JSON.
 * Run: node --import tsx test/publish/bench-offline.ts OFFLINE_SECONDS
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../agent/config/schema.js';
import { Drainer } from '../../agent/publish/drainer.js';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import { captureLog } from './helpers/captured-log.js';
import { GatedPublisher } from './helpers/gated-publisher.js';
import { createBroker } from './helpers/mosquitto.js';
import { openTestOutbox } from './helpers/outbox.js';
import { makeEntries } from './helpers/results.js';
import { startScriptedBroker } from './helpers/scripted-broker.js';

const TOPIC = 'edge-agent/test-device/results/person';
if (process.argv[2] === undefined) {
  // Run without arguments (as `tap test/publish` does), it is not a test: say so in TAP.
  process.stdout.write('1..0 # SKIP benchmark (usage: bench-offline.ts OFFLINE_SECONDS)\n');
  process.exit(0);
}
const offlineSeconds = Number(process.argv[2]);
const p = configSchema.properties.publish.properties;
const defaults = {
  backoff: { initialMs: p.reconnect.properties.initialMs.default, maxMs: p.reconnect.properties.maxMs.default },
  offlineSummaryMs: p.offlineSummarySeconds.default * 1000,
  inFlightWindow: p.maxInflight.default,
  ratePerSecond: p.ratePerSecond.default,
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function offline(dir: string): Promise<Record<string, number>> {
  const broker = await createBroker({ dir });
  const outbox = openTestOutbox(dir);
  // Summaries every 5 s here, so one run shows their size; the default interval is 300 s.
  const log = captureLog('info');
  const publisher = new GatedPublisher(new MqttPublisher({ url: broker.url, thingName: 'test-device', deviceId: 'test-device', statusTopic: 'edge-agent/test-device/status', logger: silentLogger() }));
  const drainer = new Drainer(outbox, publisher, log.logger, { ...defaults, offlineSummaryMs: 5_000, clientId: 'test-device' });
  drainer.start();
  const producer = setInterval(() => {
    outbox.enqueueMany(makeEntries(1, TOPIC));
    drainer.notify();
  }, 100);
  await sleep(offlineSeconds * 1000);
  clearInterval(producer);
  const attemptsOffline = publisher.connectAttempts;
  const summaries = log.lines.filter((l) => l.msg.startsWith('publish: offline for'));
  const summaryBytes = summaries.length === 0 ? 0 : Buffer.byteLength(JSON.stringify(summaries.at(-1))) + 1;
  const bytesOffline = log.bytes();
  const otherBytes = bytesOffline - summaries.length * summaryBytes;
  const up = performance.now();
  await broker.start();
  while (!publisher.isReady()) await sleep(50);
  const reconnectMs = performance.now() - up;
  const attemptsAfterUp = publisher.connectAttempts - attemptsOffline;
  while (outbox.status().pendingRows > 0) await sleep(50);
  const stopStarted = performance.now();
  await drainer.stop();
  const stopOnlineMs = performance.now() - stopStarted;
  outbox.close();
  await broker.kill('SIGKILL');
  // A day at the default interval: the non-summary lines once per offline period, plus one
  // summary line per interval (the summary's size grows by a few digits at most).
  const perDayAtDefault = otherBytes + (86_400_000 / defaults.offlineSummaryMs) * summaryBytes;
  return {
    offlineSeconds,
    attemptsOffline,
    logBytesOffline: bytesOffline,
    logLines: log.lines.length,
    summaryLineBytes: summaryBytes,
    logBytesPerHourAtDefaultInterval: Math.round(otherBytes + (3_600_000 / defaults.offlineSummaryMs) * summaryBytes),
    logBytesPerDayAtDefaultInterval: Math.round(perDayAtDefault),
    reconnectMsAfterBrokerUp: Math.round(reconnectMs),
    attemptsAfterBrokerUp: attemptsAfterUp,
    stopOnlineMs: Math.round(stopOnlineMs),
  };
}

async function stopWhileConnectHangs(dir: string): Promise<number> {
  const broker = await startScriptedBroker();
  broker.silentConnect = true;
  const outbox = openTestOutbox(dir);
  const drainer = new Drainer(outbox, new MqttPublisher({ url: broker.url, thingName: 'd', deviceId: 'd', statusTopic: 's/d', logger: silentLogger() }), silentLogger(), defaults);
  drainer.start();
  while (broker.connections === 0) await sleep(10);
  const started = performance.now();
  await drainer.stop();
  const ms = performance.now() - started;
  outbox.close();
  await broker.close();
  return Math.round(ms);
}

async function stopWithUnansweredSends(dir: string): Promise<number> {
  const broker = await startScriptedBroker();
  broker.shouldAck = (_c, _n, payload) => !payload.includes('"resultId"');
  const outbox = openTestOutbox(dir);
  outbox.enqueueMany(makeEntries(100, TOPIC));
  const drainer = new Drainer(outbox, new MqttPublisher({ url: broker.url, thingName: 'd', deviceId: 'd', statusTopic: 's/d', logger: silentLogger() }), silentLogger(), defaults);
  drainer.start();
  while (drainer.stats().messagesSent < defaults.inFlightWindow) await sleep(10);
  const started = performance.now();
  await drainer.stop();
  const ms = performance.now() - started;
  outbox.close();
  await broker.close();
  return Math.round(ms);
}

const root = mkdtempSync(join(tmpdir(), 'bench-offline-'));
for (const sub of ['a', 'b', 'c']) mkdirSync(join(root, sub));
try {
  const result = {
    ...(await offline(join(root, 'a'))),
    stopWhileConnectHangsMs: await stopWhileConnectHangs(join(root, 'b')),
    stopWithUnansweredSendsMs: await stopWithUnansweredSends(join(root, 'c')),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
