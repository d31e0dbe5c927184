/** URL credentials and secret key names (agent/support/redact.ts), and schema errors that never quote a secret. */
import t from 'tap';
import { isSecretKey, sanitizeUrl, withoutUrlCredentials } from '../../agent/support/redact.js';
import { AgentError } from '../../agent/errors/agent-error.js';
import { describeReceived } from '../../agent/errors/schema-errors.js';
import { checkLayer } from '../../agent/config/validate.js';

t.test('the user and password of a URL become ***, the host stays', async (t) => {
  t.equal(sanitizeUrl('mqtt://user:pw@broker:1883'), 'mqtt://***@broker:1883');
  t.equal(sanitizeUrl('rtsp://admin:p@ss@cam/stream'), 'rtsp://***@cam/stream', 'an unencoded @ in the password');
  t.equal(sanitizeUrl('http://cam/mjpeg?user=a@b'), 'http://cam/mjpeg?user=a@b', 'an @ after the authority is not user info');
  t.equal(sanitizeUrl('mqtt://broker:1883'), 'mqtt://broker:1883');
  t.equal(withoutUrlCredentials('[rtsp @ 0x1] rtsp://u:pw@cam:554/s: 401 Unauthorized; again mqtts://a:b@h'), '[rtsp @ 0x1] rtsp://***@cam:554/s: 401 Unauthorized; again mqtts://***@h');
});

t.test('secret key names are recognised by their last segment', async (t) => {
  for (const key of ['password', 'publish.password', 'passphrase', 'authToken', 'privateKey', 'apiKey', 'token', 'cameras[0].password']) t.ok(isSecretKey(key), key);
  for (const key of ['publish.tls.key', 'brokerUrl', 'username', 'passwordFile.x', 'tokens.results']) t.notOk(isSecretKey(key), key);
});

t.test('an AgentError never carries URL credentials in its message or details', async (t) => {
  const err = new AgentError('EDGE_X', 'runtime', 'Expected a broker at mqtt://u:pw@h:1 but it failed', { url: 'mqtt://u:pw@h:1', port: 1 });
  t.notMatch(err.message, 'pw');
  t.equal(err.details['url'], 'mqtt://***@h:1');
  t.equal(err.details['port'], 1);
});

t.test('schema errors at a secret key say only the type; URL credentials are cut from quoted values', async (t) => {
  t.equal(describeReceived(12345678, 'publish.password'), 'a value of type number (not shown: publish.password is a secret)');
  t.match(describeReceived({ password: 'abc123' }, 'publish.tls'), '"password":"***"');
  const problems = checkLayer({ publish: { password: 87654321, brokerUrl: 'http://u:pw4711@h' }, cameras: [{ name: 'c', source: { type: 'rtsp', url: 5 }, models: [{ id: 'm' }] }] });
  const text = problems.map((p) => p.message).join('\n');
  t.match(text, 'publish.password', 'the problem is reported');
  t.notMatch(text, '87654321');
  t.notMatch(text, 'pw4711');
  t.match(text, 'http://***@h');
});

t.test('credentials in a mistyped URL are hidden too (found by the config fuzz suite)', async (t) => {
  // A mutated broker URL that is no longer `scheme://` still carried its password into the error.
  t.equal(withoutUrlCredentials('received "mqtt:o/fuzz:fz-S3cret-7Qx91@127.0.0.1:1" of type string'), 'received "mqtt:***@127.0.0.1:1" of type string');
  t.equal(withoutUrlCredentials('mqtt:/user:pa@ss@host:1'), 'mqtt:/***@host:1');
  t.equal(withoutUrlCredentials('user:pass@host'), '***@host');
  t.equal(withoutUrlCredentials('mail me@x.org at 10:20'), 'mail me@x.org at 10:20', 'an address without a colon before it is left alone');
  t.equal(withoutUrlCredentials('http://host/a@b'), 'http://host/a@b', 'an @ in the path of a well-formed URL is not user info');
});
