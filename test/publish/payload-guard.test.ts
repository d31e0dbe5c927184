import t from 'tap';
import { assertNoImageBytes, findImageBytesInJson } from '../../agent/publish/payload-guard.js';
import { resultEntry } from '../../agent/publish/result-entry.js';
import { hasCode } from '../../agent/errors/agent-error.js';
import { makeRecord } from './helpers/results.js';

const base64 = Buffer.alloc(300, 1).toString('base64');

t.test('resultEntry refuses binary and base64 anywhere in the record, naming the path', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['Buffer', Buffer.from([1, 2, 3]), /\$\.extra is binary \(Buffer\)/],
    ['Uint8Array', new Uint8Array(4), /binary \(Uint8Array\)/],
    ['Float32Array', new Float32Array(4), /binary \(Float32Array\)/],
    ['ArrayBuffer', new ArrayBuffer(4), /binary \(ArrayBuffer\)/],
    ['base64 string', base64, /base64-looking/],
    ['data URI', 'data:image/jpeg;base64,/9j/4AAQ', /base64-looking/],
  ];
  for (const [name, value, message] of cases) {
    const record = { ...makeRecord(0), extra: value } as unknown as Parameters<typeof resultEntry>[0];
    t.throws(() => resultEntry(record, 'x/y'), message, name);
    try {
      resultEntry(record, 'x/y');
    } catch (err) {
      t.ok(hasCode(err, 'EDGE_PUBLISH_IMAGE_BYTES'), `${name}: code`);
    }
  }
  const nested = makeRecord(0);
  (nested.detections[0] as unknown as Record<string, unknown>).mask = new Uint8Array(10);
  t.throws(() => resultEntry(nested, 'x/y'), /\$\.detections\[0\]\.mask/);
});

t.test('ordinary records pass: ids, hashes and labels are not mistaken for image data', async (t) => {
  const entry = resultEntry(makeRecord(3), 'x/y');
  t.equal(entry.topic, 'x/y');
  t.equal(entry.resultId, (entry.payload as { resultId: string }).resultId);
  t.doesNotThrow(() => assertNoImageBytes({ label: 'a'.repeat(255) }));
});

t.test('findImageBytesInJson checks stored JSON text', async (t) => {
  t.equal(findImageBytesInJson(JSON.stringify(makeRecord(1))), null);
  t.match(findImageBytesInJson(JSON.stringify({ a: base64 })), /base64/);
  t.match(findImageBytesInJson(JSON.stringify({ a: 'data:image/png;base64,AAAA' })), /data: URI/);
});
