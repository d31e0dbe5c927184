/**
 * Offline behaviour against real sockets: an unreachable broker (a real Mosquitto started later
 * on the same port) and a broker refusing the credentials (the scripted broker). The backoff must
 * grow to its cap however many results arrive, and the log must stay a handful of lines.
 */
import t, { type Test } from 'tap';
import { Drainer } from '../../agent/publish/drainer.js';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import { captureLog, type CapturedLog } from './helpers/captured-log.js';
import { GatedPublisher } from './helpers/gated-publisher.js';
import { createBroker } from './helpers/mosquitto.js';
import { openTestOutbox } from './helpers/outbox.js';
import { makeEntries } from './helpers/results.js';
import { startScriptedBroker } from './helpers/scripted-broker.js';
import { until } from './helpers/until.js';

const TOPIC = 'edge-agent/test-device/results/person';
const backoff = { initialMs: 40, maxMs: 320 };

/** Gaps between consecutive connect attempts. */
function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((at, i) => at - (times[i] as number));
}

/** Each wait is at least half its ceiling (equal jitter): the backoff grew, and nothing cut it short. */
function checkBackoffGrew(t: Test, times: readonly number[]): void {
  const waits = gaps(times);
  const short = waits.map((ms, i) => ({ ms, floor: Math.min(backoff.maxMs, backoff.initialMs * 2 ** i) / 2 })).filter((w) => w.ms < w.floor - 5);
  t.same(short, [], `every wait at least half its ceiling (waits ${waits.map((w) => Math.round(w)).join(', ')} ms)`);
}

function noStacks(t: Test, log: CapturedLog): void {
  const withStack = log.lines.filter((l) => JSON.stringify(l).includes('    at '));
  t.same(withStack, [], 'no stack trace at info or warn');
}

t.test('unreachable broker: backoff grows to its cap while results keep arriving; a few log lines; then reconnect and drain', async (t) => {
  const dir = t.testdir({});
  const broker = await createBroker({ dir });
  t.teardown(() => broker.kill('SIGKILL'));
  const outbox = openTestOutbox(dir);
  const log = captureLog('info');
  const publisher = new GatedPublisher(new MqttPublisher({ url: broker.url, thingName: 'test-device', deviceId: 'test-device', statusTopic: 'edge-agent/test-device/status', logger: silentLogger(), connectTimeoutMs: 3_000 }));
  const drainer = new Drainer(outbox, publisher, log.logger, { ratePerSecond: 0, backoff, offlineSummaryMs: 250, clientId: 'test-device' });
  t.teardown(async () => {
    await drainer.stop();
    outbox.close();
  });
  drainer.start();
  // A result every 5 ms, each one notifying the drainer, as the pipeline does.
  let kept = 0;
  const producer = setInterval(() => {
    outbox.enqueueMany(makeEntries(1, TOPIC));
    kept += 1;
    drainer.notify();
  }, 5);
  t.teardown(() => clearInterval(producer));
  // Failures, not attempts: an attempt is counted as it starts, its failure only once it failed.
  await until(t, 'ten failed connect attempts', () => (drainer.stats().connectFailures.unreachable ?? 0) >= 10);
  await until(t, 'a summary line', () => log.lines.some((l) => l.msg.startsWith('publish: offline for')));
  clearInterval(producer);
  checkBackoffGrew(t, publisher.connectTimesMs);
  const failures = drainer.stats().connectFailures.unreachable ?? 0;
  t.ok(failures >= 10, `connect failures counted by cause (${failures} unreachable)`);
  t.equal(drainer.stats().connectAttempts >= failures, true, 'attempts counted');
  const warns = log.warnings();
  t.equal(warns.length, 1, 'one warning for the whole offline period');
  t.match(warns[0]?.msg, /cannot connect: Expected a broker at mqtt:\/\/127\.0\.0\.1:\d+ .*check the broker is running and reachable/, 'cause and fix in the warning');
  noStacks(t, log);
  const summary = log.lines.find((l) => l.msg.startsWith('publish: offline for'));
  t.ok(typeof summary?.attempts === 'number' && typeof summary.outboxDepth === 'number' && typeof summary.resultsKept === 'number', 'the summary gives attempts, results kept and outbox depth');

  await broker.start();
  await until(t, 'the reconnect line', () => log.lines.some((l) => l.msg.startsWith('publish: connected again')));
  await until(t, 'the backlog delivered', () => outbox.status().pendingRows === 0);
  await until(t, 'the drained line', () => log.lines.some((l) => l.msg.startsWith('publish: backlog drained')));
  const drained = log.lines.find((l) => l.msg.startsWith('publish: backlog drained'));
  t.equal(drained?.rows, kept, `the drained line counts the ${kept} rows kept`);
  t.equal(log.warnings().length, 1, 'still one warning');
});

t.test('credentials refused: the same backoff, one warning naming the CONNACK reason, counted as refused', async (t) => {
  const broker = await startScriptedBroker();
  broker.refuseWith = 0x86; // bad user name or password
  t.teardown(() => broker.close());
  const dir = t.testdir({});
  const outbox = openTestOutbox(dir);
  const log = captureLog('info');
  const publisher = new GatedPublisher(
    new MqttPublisher({ url: broker.url, thingName: 'test-device', deviceId: 'test-device', statusTopic: 'edge-agent/test-device/status', username: 'u', password: 'wrong-secret', logger: silentLogger() }),
  );
  const drainer = new Drainer(outbox, publisher, log.logger, { ratePerSecond: 0, backoff, offlineSummaryMs: 60_000 });
  t.teardown(async () => {
    await drainer.stop();
    outbox.close();
  });
  outbox.enqueueMany(makeEntries(5, TOPIC));
  drainer.start();
  const spam = setInterval(() => drainer.notify(), 2);
  t.teardown(() => clearInterval(spam));
  await until(t, 'eight attempts', () => publisher.connectAttempts >= 8);
  clearInterval(spam);
  checkBackoffGrew(t, publisher.connectTimesMs);
  t.ok((drainer.stats().connectFailures.refused ?? 0) >= 7, 'counted as refused');
  const warns = log.warnings();
  t.equal(warns.length, 1, 'one warning');
  t.match(warns[0]?.msg, /reason code 0x86.*check the username, password/, 'names the reason code and the fix');
  t.notOk(JSON.stringify(log.lines).includes('wrong-secret'), 'the password never reaches the log');
  noStacks(t, log);
  t.equal(outbox.status().pendingRows, 5, 'rows kept');
});
