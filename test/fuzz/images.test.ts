/**
 * Fuzz: mutated images (from the shared samples, mutated in memory; nothing derived is written
 * to the repository) through the preprocessor and the model, then a batch through `infer`.
 */
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledManifestDir, loadManifestFile } from '../../agent/models/manifest-loader.js';
import { Preprocessor } from '../../agent/preprocess/preprocessor.js';
import { sharedImages, sharedModels } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';
import { badCliOutput, badError, documentedCodes, fuzzRng, mutateBytes, Tally, withTimeout } from './helpers/fuzz.js';

const LIBRARY_INPUTS = 400;
const CLI_INPUTS = 60;
const codes = documentedCodes();
const samples = readdirSync(sharedImages)
  .filter((f) => /\.(jpe?g|png)$/i.test(f))
  .map((f) => readFileSync(join(sharedImages, f)));

t.test('mutated images through the preprocessor: accepted or refused with a documented code', async (t) => {
  const rng = fuzzRng(t, 'images');
  const tally = new Tally('images (preprocessor)');
  const person = loadManifestFile(join(bundledManifestDir, 'person-yolox-192', 'manifest.json'));
  const pre = new Preprocessor(person.input);
  for (let i = 0; i < LIBRARY_INPUTS; i++) {
    const bytes = mutateBytes(rng, rng.pick(samples));
    const outcome = await withTimeout(20_000, async () => {
      try {
        await pre.prepare({ kind: 'encoded', data: bytes }, `fuzz image ${i}`);
        return 'ok';
      } catch (err) {
        return badError(err, codes) ?? 'refused';
      }
    });
    tally.add(`image ${i} (${bytes.length} bytes)`, outcome === 'hung' ? 'hung' : outcome);
  }
  tally.report(t);
});

t.test('a batch of mutated images through `infer`: no crash, no stack, documented codes only', async (t) => {
  const rng = fuzzRng(t, 'images via infer');
  const dir = t.testdir();
  const files: string[] = [];
  for (let i = 0; i < CLI_INPUTS; i++) {
    const file = join(dir, `fuzz-${i}.${rng.pick(['jpg', 'png', 'gif', 'bin'])}`);
    writeFileSync(file, mutateBytes(rng, rng.pick(samples)));
    files.push(file);
  }
  const r = await runCli(['infer', ...files, '--model', 'person-yolox-192', '--model-dir', join(dir, 'models'), '--from', sharedModels, '--data-dir', join(dir, 'data')], {}, 180_000);
  const tally = new Tally('images (infer)');
  const bad = badCliOutput(r, codes);
  const results = r.stdout.split('\n').filter((l) => l.startsWith('{')).length;
  const refusals = r.stderr.split('\n').filter((l) => /\[EDGE_[A-Z0-9_]+\]$/.test(l)).length;
  for (let i = 0; i < CLI_INPUTS; i++) tally.add(`infer batch input ${i}`, bad ?? (i < results ? 'ok' : 'refused'));
  t.ok(results + refusals >= CLI_INPUTS - 1, `every image gave a result or a refusal (${results} results, ${refusals} refusal lines)`);
  tally.report(t);
});
