import t from 'tap';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import { deliverySuite } from './helpers/delivery-suite.js';

deliverySuite(t, {
  name: 'mqtt',
  tlsOnly: false,
  create: ({ url, tls, thingName, statusTopic }) =>
    new MqttPublisher({ url, thingName, deviceId: thingName, statusTopic, logger: silentLogger(), connectTimeoutMs: 3_000, ...(tls === undefined ? {} : { tls }) }),
});
