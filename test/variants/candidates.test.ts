import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import type { ModelManifest } from '../../agent/models/manifest.js';
import { compareAccuracy, variantCandidates } from '../../agent/variants/candidates.js';

const person = JSON.parse(readFileSync(join(bundledManifestDir, 'person-yolox-192', 'manifest.json'), 'utf8')) as ModelManifest;
const variant = (id: string, quantization: ModelManifest['quantization'], size: number, bytes: number, derivedFrom = person.id): ModelManifest => ({
  ...person,
  id,
  quantization,
  bytes,
  derivedFrom,
  input: { ...person.input, shape: [1, 3, size, size] },
});

t.test('orders float > float16 > int8, then larger input first', async (t) => {
  const all = [
    variant('p-int8-160', 'int8-qdq', 160, 500),
    variant('p-int8', 'int8-qdq', 192, 1000),
    variant('p-uint8', 'uint8-qdq', 192, 1000),
    variant('p-fp16', 'float16', 192, 1800),
    person,
    variant('other', 'int8-qdq', 192, 1000, 'face-yunet-2023mar'),
  ];
  const c = variantCandidates(all, person.id);
  t.same(c.map((x) => x.id), [person.id, 'p-fp16', 'p-int8', 'p-uint8', 'p-int8-160'], 'a model derived from another id is not a candidate');
  t.same(c.map((x) => x.rank), [0, 1, 2, 3, 4]);
  t.equal(c[0]!.fileBytes, person.bytes);
  t.ok(compareAccuracy(variant('a', 'none', 160, 1), variant('b', 'int8-qdq', 320, 1)) < 0, 'precision counts before input size');
});

t.test('a model without variants is its own only candidate', async (t) => {
  t.same(variantCandidates([person], person.id), [{ id: person.id, rank: 0, fileBytes: person.bytes }]);
  t.same(variantCandidates([person], 'missing'), []);
});
