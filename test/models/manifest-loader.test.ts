import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledManifestDir, loadManifests, parseManifest } from '../../agent/models/manifest-loader.js';
import { AgentError } from '../../agent/errors/agent-error.js';

const person = JSON.parse(readFileSync(join(bundledManifestDir, 'person-yolox-192', 'manifest.json'), 'utf8')) as Record<string, unknown>;

function invalid(t: Test, doc: unknown, ...patterns: RegExp[]): void {
  try {
    parseManifest(doc, 'test.json');
    t.fail('expected the manifest to be refused');
  } catch (err) {
    t.ok(err instanceof AgentError, 'an AgentError');
    t.equal((err as AgentError).code, 'EDGE_MODEL_MANIFEST_INVALID');
    for (const p of patterns) t.match((err as Error).message, p);
  }
}

t.test('the bundled manifests load and match the shared models README facts', async (t) => {
  const all = loadManifests([bundledManifestDir]);
  t.same([...all.keys()].sort(), ['face-yunet-2023mar', 'person-yolox-192']);
  const p = all.get('person-yolox-192');
  t.equal(p?.sha256, '4bf5f704cd3bd900645a4303e0934ede13d9fb2135058b38005f4c2886c68576');
  t.equal(p?.bytes, 3616703);
  t.equal(p?.input.channelOrder, 'BGR');
  t.equal(p?.input.padValue, 114);
  const f = all.get('face-yunet-2023mar');
  t.equal(f?.bytes, 232589);
  t.same(f?.input.shape, [1, 3, 640, 640]);
  t.equal(f?.outputs.length, 12);
});

t.test('validation errors name the path, what was expected and what came', async (t) => {
  invalid(t, { ...person, task: 'segmentation' }, /task/, /detection/, /"segmentation"/);
  invalid(t, { ...person, sha256: 'abc' }, /sha256/);
  invalid(t, { ...person, input: { ...(person['input'] as object), layout: 'CHW' } }, /input\.layout/, /NCHW/);
  invalid(t, { ...person, bytes: -1 }, /bytes/);
  const { licence: _l, ...noLicence } = person;
  invalid(t, noLicence, /licence/, /missing|nothing/);
});

t.test('a misspelled key is refused with the nearest known key', async (t) => {
  invalid(t, { ...person, lables: ['person'] }, /Unknown key lables; did you mean labels\?/);
});

t.test('cross-field rules: NCHW needs 3 channels, classification needs softmax-topk', async (t) => {
  invalid(t, { ...person, input: { ...(person['input'] as object), shape: [1, 4, 192, 192] } }, /3 channels/);
  invalid(t, { ...person, task: 'classification' }, /softmax-topk/);
});
