import t from 'tap';
import { readFileSync } from 'node:fs';
import { DeliveryChecker } from '../../agent/publish/subscriber/delivery-checker.js';
import { heartbeatPayload, statusPayload } from '../../agent/publish/status-messages.js';
import { makeRecord } from './helpers/results.js';

const msg = (n: number, seq: number): string => JSON.stringify({ ...makeRecord(n), seq });

t.test('duplicates, reordering and gaps per device', async (t) => {
  const c = new DeliveryChecker();
  const one = msg(1, 1);
  for (const p of [one, msg(2, 2), one, msg(5, 5), msg(4, 4)]) c.accept('edge-agent/test-device/results/m', p);
  const d = c.report().devices[0];
  t.equal(d?.uniqueResults, 4);
  t.equal(d?.duplicates, 1);
  t.equal(d?.reordered, 1, 'seq 4 after seq 5');
  t.same(d?.gaps, [{ from: 3, to: 3 }]);
  t.same(c.arrivalOrder('test-device'), [1, 2, 5, 4]);
});

t.test('a drop record explains its gap', async (t) => {
  const c = new DeliveryChecker();
  c.accept('x', msg(1, 1));
  c.accept('x', JSON.stringify({ type: 'outbox.drop', reason: 'maxRows', droppedRows: 3, droppedBytes: 900, firstSeq: 2, lastSeq: 4, droppedByReason: { maxRows: 3 }, droppedAt: new Date().toISOString(), deviceId: 'test-device', seq: 5 }));
  c.accept('x', msg(6, 6));
  const d = c.report().devices[0];
  t.same(d?.gaps, []);
  t.equal(d?.intendedMissing, 3);
  t.equal(d?.dropRecords, 1);
  t.equal(c.report().invalid, 0);
});

t.test('batches count their members; status and heartbeat validate; junk is counted invalid', async (t) => {
  const c = new DeliveryChecker();
  c.accept('x', `{"schemaVersion":1,"kind":"batch","results":[${msg(1, 1)},${msg(2, 2)}]}`);
  c.accept('s', statusPayload('test-device', 'online'));
  c.accept('h', heartbeatPayload('test-device', { pendingRows: 1, pendingBytes: 10, oldestPendingAgeMs: 5, deadRows: 0, corruptRows: 0, droppedByReason: {}, lastSeq: 2 }, { frameRate: 4.5, inferenceLatencyMs: 20 }));
  c.accept('x', '{"seq": 3}');
  c.accept('x', 'not json');
  const r = c.report();
  t.equal(r.devices[0]?.uniqueResults, 2);
  t.equal(r.statusMessages, 1);
  t.equal(r.heartbeats, 1);
  t.equal(r.invalid, 2);
  t.match(r.invalidSamples[0]?.errors.join(' '), /required property/);
});

t.test('result-message.schema.json is result-record.schema.json plus seq and streamSeq', async (t) => {
  const record = JSON.parse(readFileSync(new URL('../../agent/results/result-record.schema.json', import.meta.url), 'utf8')) as { properties: object; required: string[]; oneOf: unknown };
  const message = JSON.parse(readFileSync(new URL('../../agent/publish/schemas/result-message.schema.json', import.meta.url), 'utf8')) as { properties: Record<string, unknown>; required: string[]; oneOf: unknown };
  const { seq, streamSeq, ...rest } = message.properties;
  t.ok(seq, 'seq is declared');
  t.ok(streamSeq, 'streamSeq is declared');
  t.same(rest, record.properties, 'every other property is the record schema\'s');
  t.same(message.required, [...record.required, 'seq']);
  t.same(message.oneOf, record.oneOf);
});

/** A result message with a device seq and a stream seq. */
const streamMsg = (n: number, seq: number, streamSeq: number): string => JSON.stringify({ ...makeRecord(n), seq, streamSeq });

t.test('following one topic: the device seq skips the other topics, the stream seq has no holes, so no gaps', async (t) => {
  const c = new DeliveryChecker();
  // The device interleaves two models; this subscriber sees only model A's topic.
  for (const [n, seq, streamSeq] of [[1, 1, 1], [3, 3, 2], [5, 5, 3], [8, 8, 4]] as const) c.accept('edge-agent/dev/results/a', streamMsg(n, seq, streamSeq));
  const d = c.report().devices[0];
  t.same(d?.gaps, [], 'device seqs 2, 4, 6, 7 belong to other topics: not gaps');
  t.match(d?.streams, [{ topic: 'edge-agent/dev/results/a', firstStreamSeq: 1, lastStreamSeq: 4, gaps: [] }]);
  t.equal(d?.firstSeq, 1);
  t.equal(d?.lastSeq, 8);
});

t.test('a wildcard: each topic is checked on its own stream seq, and drop records excuse only their stream', async (t) => {
  const c = new DeliveryChecker();
  c.accept('edge-agent/dev/results/a', streamMsg(1, 1, 1));
  c.accept('edge-agent/dev/results/b', streamMsg(2, 2, 1));
  c.accept('edge-agent/dev/results/a', streamMsg(3, 3, 2));
  // Stream b lost stream seqs 2-3 on purpose (a drop record on b), and stream a lost 3 for real.
  const drop = { type: 'outbox.drop', reason: 'maxRows', stream: 'edge-agent/dev/results/b', droppedRows: 2, droppedBytes: 900, firstSeq: 4, lastSeq: 6, firstStreamSeq: 2, lastStreamSeq: 3, droppedByReason: { maxRows: 2 }, droppedAt: new Date().toISOString(), deviceId: 'test-device', seq: 9, streamSeq: 4 };
  c.accept('edge-agent/dev/results/b', JSON.stringify(drop));
  c.accept('edge-agent/dev/results/b', streamMsg(10, 10, 5));
  c.accept('edge-agent/dev/results/a', streamMsg(11, 11, 4));
  const d = c.report().devices[0];
  t.same(d?.gaps, [{ from: 3, to: 3, topic: 'edge-agent/dev/results/a' }], 'only stream a has a lost message');
  t.equal(d?.intendedMissing, 2);
  t.same(d?.streams.map((s) => [s.topic, s.gaps.length, s.intendedMissing]), [['edge-agent/dev/results/a', 1, 0], ['edge-agent/dev/results/b', 0, 2]]);
});
