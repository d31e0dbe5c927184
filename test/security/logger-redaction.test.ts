/**
 * The logger keeps secrets off every line: redact paths censor fields named like secrets, URL
 * credentials are cut from the message, format arguments and nested strings (Errors included), and
 * a field bound to the logger (deviceId) is written once.
 */
import t from 'tap';
import { pino } from 'pino';
import { loggerOptions, redactPaths } from '../../agent/log/logger.js';

function capture(): { log: pino.Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const log = pino(loggerOptions('trace', { deviceId: 'dev-1' }), { write: (s: string) => chunks.push(s) });
  return {
    log,
    text: () => chunks.join(''),
    lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

t.test('URL credentials are cut from the message, format arguments, nested fields and errors', async (t) => {
  const { log, text, lines } = capture();
  log.info(
    { url: 'mqtt://u:pw1@h:1883', publish: { brokerUrl: 'mqtts://a:pw2@b' }, list: ['rtsp://x:pw3@cam/s'], err: new Error('at rtsp://x:pw4@cam/s') },
    'connect to %s failed (mqtt://u:pw5@h)',
    'ws://u:pw6@h/mqtt',
  );
  const out = text();
  for (let i = 1; i <= 6; i++) t.notMatch(out, `pw${i}`, `pw${i} is not in the line`);
  const [line] = lines();
  t.equal(line?.['url'], 'mqtt://***@h:1883', 'the host is still named');
  t.equal(line?.['msg'], 'connect to ws://***@h/mqtt failed (mqtt://***@h)');
  t.match((line?.['err'] as { message: string }).message, 'rtsp://***@cam/s');
});

t.test('fields named like secrets are censored at every depth the paths cover', async (t) => {
  const { log, text } = capture();
  log.child({ camera: 'c' }).warn({
    password: 'sec1',
    token: 'sec2',
    headers: { authorization: 'Bearer sec3' },
    publish: { password: 'sec4', tls: { passphrase: 'sec5' } },
    err: { details: { authToken: 'sec6' } },
    privateKey: '-----BEGIN PRIVATE KEY-----sec7',
  }, 'x');
  const out = text();
  for (let i = 1; i <= 7; i++) t.notMatch(out, `sec${i}`, `sec${i} is censored`);
  t.match(out, '"password":"***"');
  t.ok(redactPaths.includes('*.*.password'));
});

t.test('a field bound to the logger is written once per line', async (t) => {
  const { log, text } = capture();
  log.info({ deviceId: 'dev-1', other: 1 }, 'agent starting');
  log.child({ camera: 'c' }).info('child line');
  for (const line of text().trim().split('\n')) t.equal(line.split('"deviceId"').length - 1, 1, line);
});
