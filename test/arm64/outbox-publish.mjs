// Runs inside the arm64 Node.js under qemu-aarch64 (test/arm64/smoke.ts starts it), against the
// unpacked arm64 artifact: stores the results `edge-agent infer` printed in a real SQLite outbox
// (better-sqlite3 compiled for arm64) and drains them to the loopback broker over MQTT.
// Plain JavaScript on purpose: the artifact ships compiled code, and tsx under emulation is slow.
// Arguments: <artifact dir> <results NDJSON file> <data dir> <broker URL>. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [artifact, resultsFile, dataDir, brokerUrl] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(join(artifact, 'dist', 'agent', rel)).href);
const { SqliteOutbox } = await load('outbox/sqlite-outbox.js');
const { MqttPublisher } = await load('publish/mqtt-publisher.js');
const { Drainer } = await load('publish/drainer.js');
const { silentLogger } = await load('log/logger.js');

const thing = 'arm64-smoke';
const records = readFileSync(resultsFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
const outbox = SqliteOutbox.open({ path: join(dataDir, 'outbox.sqlite'), logger: silentLogger(), diskReserveBytes: 0 });
outbox.enqueueMany(records.map((r) => ({ resultId: r.resultId, topic: `edge-agent/${thing}/results/${r.model.id}`, payload: r })));
const publisher = new MqttPublisher({ url: brokerUrl, thingName: thing, deviceId: thing, statusTopic: `edge-agent/${thing}/status`, logger: silentLogger() });
const drainer = new Drainer(outbox, publisher, silentLogger(), { ratePerSecond: 0 });
drainer.start();
const deadline = Date.now() + 120_000;
while (outbox.status().pendingRows > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
await drainer.stop();
const status = outbox.status();
outbox.close();
process.stdout.write(`${JSON.stringify({ enqueued: records.length, pendingRows: status.pendingRows, rowsDelivered: drainer.stats().rowsDelivered, sqlite: 'better-sqlite3' })}\n`);
