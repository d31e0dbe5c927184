import t from 'tap';
import { AwsIotPublisher } from '../../agent/publish/aws-iot-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import { deliverySuite } from './helpers/delivery-suite.js';
import { makeTestCerts } from './helpers/certs.js';
import { createBroker } from './helpers/mosquitto.js';

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

// IoT Core's per-connection quotas are enforced by the transport itself (the CRT's flow control is
// off): 25 publishes at 10 per second cannot all be acknowledged before two windows have passed.
t.test('aws-iot: the per-connection publish quota holds (publish.awsIot)', async (t) => {
  const dir = t.testdir({});
  const certs = makeTestCerts(dir, 'test-device');
  const broker = await createBroker({ dir, tls: { caFile: certs.caFile, certFile: certs.serverCert, keyFile: certs.serverKey, requireCertificate: true } });
  await broker.start();
  t.teardown(() => broker.kill('SIGKILL'));
  const publisher = new AwsIotPublisher({
    url: (broker.tlsUrl as string).replace('127.0.0.1', 'localhost'),
    thingName: 'test-device',
    deviceId: 'test-device',
    statusTopic: 'edge-agent/test-device/status',
    certFile: certs.clientCert,
    keyFile: certs.clientKey,
    caFile: certs.caFile,
    limits: { maxPublishesPerSecond: 10, maxBytesPerSecond: 1 << 20 },
    logger: silentLogger(),
  });
  await publisher.connect();
  t.teardown(() => publisher.close());
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => publisher.publish({ topic: 'edge-agent/test-device/results/q', payload: JSON.stringify({ i }) })));
  const elapsedMs = performance.now() - started;
  t.same(new Set(outcomes.map((o) => o.kind)), new Set(['acked']), 'all acknowledged');
  t.ok(elapsedMs >= 1_900, `25 publishes at 10/s took at least two windows (${Math.round(elapsedMs)} ms)`);
});
