import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { greengrasscoreipc, io } from 'aws-iot-device-sdk-v2';
import { startNucleusDouble } from './helpers/nucleus-double.js';

// The double is checked against the AWS SDK's own eventstream RPC client, so the agent's IPC
// client (tested against the double) speaks what the SDK speaks.
t.test('the AWS SDK greengrasscoreipc client connects to the double, publishes, and sees UnauthorizedError', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-sdk-'));
  const socketPath = join(dir, 'ipc.socket');
  const nucleus = await startNucleusDouble(socketPath, 'sdk-token');
  t.teardown(async () => {
    await nucleus.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  nucleus.answer = (req) => (req.topicName === 'denied/topic' ? 'unauthorized' : 'ok');
  const client = new greengrasscoreipc.Client({
    hostName: socketPath,
    port: 0,
    socketOptions: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.LOCAL),
    connectTransform: async (transform) => {
      transform.message.payload = JSON.stringify({ authToken: 'sdk-token' });
      return transform.message;
    },
  });
  await client.connect();
  await client.publishToIoTCore({ topicName: 'edge-agent/x/results/m', qos: greengrasscoreipc.model.QOS.AT_LEAST_ONCE, payload: '{"a":1}', contentType: 'application/json', userProperties: [{ key: 'seq', value: '7' }] });
  const denied = await client.publishToIoTCore({ topicName: 'denied/topic', qos: greengrasscoreipc.model.QOS.AT_LEAST_ONCE, payload: '{}' }).then(
    () => null,
    (err: unknown) => err as { serviceError?: { message?: string } },
  );
  await client.close();
  t.equal(nucleus.connections, 1);
  t.same(nucleus.published.map((p) => [p.topicName, p.qos, p.payload, p.contentType, p.userProperties]), [['edge-agent/x/results/m', '1', '{"a":1}', 'application/json', [{ key: 'seq', value: '7' }]]]);
  t.match(denied?.serviceError?.message, /not authorized/);
});
