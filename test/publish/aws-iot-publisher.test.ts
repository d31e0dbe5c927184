import t from 'tap';
import { AwsIotPublisher } from '../../agent/publish/aws-iot-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import { deliverySuite } from './helpers/delivery-suite.js';

// aws-crt's MQTT 5 client leaves native handles that keep Node running for seconds after
// close() (awslabs/aws-crt-nodejs#600); once the tests are done, let the process go.
t.teardown(() => {
  setTimeout(() => process.exit(), 1_000).unref();
});

// The AWS SDK's MQTT 5 client against Mosquitto over mutual TLS, as it would meet AWS IoT Core.
deliverySuite(t, {
  name: 'aws-iot',
  tlsOnly: true,
  create: ({ url, tls, thingName, statusTopic }) => {
    if (tls?.certFile === undefined || tls.keyFile === undefined) throw new Error('aws-iot needs a client certificate');
    return new AwsIotPublisher({
      // The broker certificate names localhost and 127.0.0.1; the CRT checks the host name.
      url: url.replace('127.0.0.1', 'localhost'),
      thingName,
      deviceId: thingName,
      statusTopic,
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }),
      connectTimeoutMs: 3_000,
      // The suite drains thousands of rows; IoT Core's quotas are tested on their own below.
      limits: { maxPublishesPerSecond: 100_000, maxBytesPerSecond: 1 << 30 },
      logger: silentLogger(),
    });
  },
});
