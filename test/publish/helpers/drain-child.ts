/**
 * An agent process for crash tests: drains the outbox in argv[2] to the broker at argv[3]
 * until killed. The test SIGKILLs it mid-drain and starts it again.
 */
import { SqliteOutbox } from '../../../agent/outbox/sqlite-outbox.js';
import { Drainer } from '../../../agent/publish/drainer.js';
import { MqttPublisher } from '../../../agent/publish/mqtt-publisher.js';
import { silentLogger } from '../../../agent/log/logger.js';
import { join } from 'node:path';

const [dir, url, window] = process.argv.slice(2);
if (dir === undefined || url === undefined) {
  // Run without arguments (as `tap test/publish` does), it is not a test: say so in TAP.
  process.stdout.write('1..0 # SKIP helper process for drainer.test.ts (usage: drain-child.ts DIR URL [WINDOW])\n');
  process.exit(0);
}
const logger = silentLogger();
const outbox = SqliteOutbox.open({ path: join(dir, 'outbox.sqlite'), logger, diskReserveBytes: 0 });
const publisher = new MqttPublisher({ url, thingName: 'test-device', deviceId: 'test-device', statusTopic: 'edge-agent/test-device/status', logger });
const inFlightWindow = Number(window ?? 16);
const drainer = new Drainer(outbox, publisher, logger, { ratePerSecond: 0, inFlightWindow, ackFlushRows: inFlightWindow });
drainer.start();
process.stdout.write('started\n');
