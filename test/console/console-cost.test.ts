/**
 * What the console costs and keeps: with no viewer the frame tap stays off and nothing is drawn
 * while frames are inferred; a viewer turns it on, with at most one JPEG per camera per console
 * interval (counted, not timed: encodes never exceed the frames the camera offered); once the
 * viewer leaves the tap goes off again. The warnings ring keeps what the log shows, without secrets.
 */
import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loggerOptions } from '../../agent/log/logger.js';
import { RecentWarnings } from '../../agent/console/recent-warnings.js';
import { sharedImage } from '../helpers/shared.js';
import { startAgent, until } from './helpers.js';

t.setTimeout(480_000);

t.test('no viewer, no drawing; a viewer, one picture per interval at most', async (t) => {
  const { rt } = await startAgent(t, [{ name: 'cam', path: sharedImage('hopper.jpg') }], { console: { frameIntervalMs: 500 } });
  const tap = rt.console?.tap;
  if (tap === undefined) throw new Error('no console');
  const cam = rt.cameras[0];
  t.ok(await until(() => (cam?.stats().framesInferred ?? 0) >= 5), 'frames are inferred');
  t.equal(tap.active, false, 'the tap is off with no viewer');
  t.equal(tap.encodes, 0, 'and nothing was drawn');

  const inferredBefore = cam?.stats().framesInferred ?? 0;
  const abort = new AbortController();
  const res = await fetch(`${rt.console?.url ?? ''}/api/events`, { signal: abort.signal });
  t.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  const decoder = new TextDecoder();
  t.ok(await until(async () => {
    text += decoder.decode((await reader.read()).value);
    return (text.match(/event: state/g) ?? []).length >= 4;
  }), 'live updates arrive');
  t.equal(tap.active, true, 'a viewer turns the tap on');
  t.ok(await until(() => tap.encodes >= 2), 'pictures are drawn');
  t.ok(tap.encodes <= (cam?.stats().framesInferred ?? 0) - inferredBefore + 1, 'never more than one per frame offered');
  abort.abort();
  await reader.cancel().catch(() => undefined);
  t.ok(await until(() => !tap.active, 60_000), 'the tap goes off again once the viewer left');
  const encodes = tap.encodes;
  const inferred = cam?.stats().framesInferred ?? 0;
  t.ok(await until(() => (cam?.stats().framesInferred ?? 0) >= inferred + 3), 'frames go on');
  t.equal(tap.encodes, encodes, 'with nothing drawn');
});

t.test('the warnings ring keeps warn and error lines of every child logger, without secrets', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  const ring = new RecentWarnings(2);
  const logger = ring.watch(pino(loggerOptions('warn', {}), sink));
  logger.info('not kept: below warn');
  logger.child({ camera: 'door' }).warn({ code: 'EDGE_X', password: 'hunter2', err: new Error('open mqtt://user:pw@host failed') }, 'camera slow');
  logger.error('second');
  t.equal(ring.list().length, 2);
  t.match(ring.list()[0], { level: 'warn', message: 'camera slow', camera: 'door', code: 'EDGE_X' });
  t.notMatch(JSON.stringify(ring.list()), /hunter2|user:pw/, 'no secret field, no URL credentials');
  logger.warn('third');
  t.same(ring.list().map((w) => w.message), ['second', 'third'], 'bounded: the oldest goes');
  t.equal(ring.dropped, 1, 'and is counted');
  t.equal(lines.length, 3, 'the log itself still gets every line');
});
