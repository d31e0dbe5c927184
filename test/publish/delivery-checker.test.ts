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
  c.accept('h', heartbeatPayload('test-device', { pendingRows: 1, pendingBytes: 10, oldestPendingAgeMs: 5, deadRows: 0, droppedByReason: {}, lastSeq: 2 }, { frameRate: 4.5, inferenceLatencyMs: 20 }));
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
