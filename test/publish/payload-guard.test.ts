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

t.test('findImageBytesInJson: the boundaries of the base64 rule', async (t) => {
  const run = (n: number): string => 'Ab+/_-9z'.repeat(64).slice(0, n);
  t.equal(findImageBytesInJson(JSON.stringify({ a: run(255) })), null, '255 characters pass');
  t.not(findImageBytesInJson(JSON.stringify({ a: run(256) })), null, '256 characters are refused');
  t.not(findImageBytesInJson(JSON.stringify({ a: `${run(300)}==` })), null, 'two = of padding still count');
  t.equal(findImageBytesInJson(JSON.stringify({ a: `${run(300)}===` })), null, 'three = is not base64');
  t.equal(findImageBytesInJson(JSON.stringify({ a: `${run(300)}=A` })), null, 'characters after padding break the run');
  t.equal(findImageBytesInJson(JSON.stringify({ a: `${run(200)} ${run(200)}` })), null, 'a space breaks the run');
  t.equal(findImageBytesInJson(JSON.stringify({ a: `${run(200)}\u00e9${run(200)}` })), null, 'non-ASCII breaks the run');
  t.not(findImageBytesInJson(`[${JSON.stringify(makeRecord(1))},${JSON.stringify({ later: run(400) })}]`), null, 'found after other strings');
  t.match(findImageBytesInJson(JSON.stringify({ a: 1, b: 'DATA:Image/PNG;Base64,AAAA' })), /data: URI/, 'data: URIs in any case');
  t.match(findImageBytesInJson(`[${JSON.stringify(makeRecord(1))},{"x":"data:image/jpeg;base64,/9j/"}]`), /data: URI/, 'a data: URI after other strings');
  t.equal(findImageBytesInJson(JSON.stringify({ d: 'data: not a uri', data: 'image/png;base64,' })), null, 'a key or text named data is not a data: URI');
});

t.test('findImageBytesInJson agrees with the rule written as a regular expression', async (t) => {
  // The oracle is the plain statement of the rule; the scanner must agree on random texts made
  // of the characters that matter (quotes, base64, padding, others) around the length limit.
  const oracle = /"[A-Za-z0-9+/_-]{256,}={0,2}"/;
  const alphabet = ['"', '=', ' ', ':', 'é', 'A', '9', '+', '/', '_', '-'];
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let disagreements = 0;
  let hits = 0;
  for (let i = 0; i < 2000; i += 1) {
    let text = '';
    for (let part = 0; part < 4; part += 1) {
      text += random(3) === 0 ? alphabet[random(alphabet.length)] : '"';
      text += 'Qw'.repeat(120 + random(20));
      for (let k = random(3); k > 0; k -= 1) text += random(2) === 0 ? alphabet[random(alphabet.length)] : '=';
    }
    const expected = oracle.test(text);
    if (expected) hits += 1;
    if ((findImageBytesInJson(text) !== null) !== expected && !/"data:/i.test(text)) disagreements += 1;
  }
  t.equal(disagreements, 0);
  t.ok(hits > 100 && hits < 1900, `both outcomes occur (${hits} of 2000 hit)`);
});
