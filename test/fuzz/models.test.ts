/**
 * Fuzz: mutated manifests and model files in temp dirs (the real model's bytes are mutated there
 * and never kept), through the store's verify and pull, then one `models verify` over a batch;
 * and scripted broker refusals through the MQTT publisher.
 */
import t from 'tap';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import { ModelStore } from '../../agent/models/model-store.js';
import { MqttPublisher } from '../../agent/publish/mqtt-publisher.js';
import { silentLogger } from '../../agent/log/logger.js';
import { sharedModel } from '../helpers/shared.js';
import { runCli } from '../helpers/run-cli.js';
import { startScriptedBroker } from '../publish/helpers/scripted-broker.js';
import { badCliOutput, badError, documentedCodes, fuzzRng, hostileValues, mutateBytes, type Rng, Tally, withTimeout } from './helpers/fuzz.js';

const FACE = 'face-yunet-2023mar';
const MODEL_INPUTS = 150;
const REFUSAL_INPUTS = 16;
const codes = documentedCodes();
const faceManifest = readFileSync(join(bundledManifestDir, FACE, 'manifest.json'), 'utf8');
const faceModel = readFileSync(sharedModel(FACE));

/** One mutated model folder under `root`: a broken manifest, a broken model file, or a special file. */
function mutatedModel(rng: Rng, root: string, id: string): void {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const m = JSON.parse(faceManifest) as Record<string, unknown>;
  m['id'] = id;
  switch (rng.int(5)) {
    case 0: // manifest bytes mutated
      writeFileSync(join(dir, 'manifest.json'), mutateBytes(rng, Buffer.from(JSON.stringify(m))));
      return;
    case 1: { // one manifest value hostile
      const input = m['input'] as Record<string, unknown>;
      const target = rng.pick([m, input, m['decoder'] as Record<string, unknown>]);
      const key = rng.pick(Object.keys(target));
      target[key] = rng.int(4) === 0 ? [1, 3, 100000, 100000] : rng.pick(hostileValues);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
      copyFileSync(sharedModel(FACE), join(dir, 'model.onnx'));
      return;
    }
    case 2: // model file mutated (bytes changed, truncated, grown)
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
      writeFileSync(join(dir, 'model.onnx'), mutateBytes(rng, faceModel));
      return;
    case 3: // model file or manifest is a special file
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
      symlinkSync(rng.pick(['/dev/zero', '/dev/null', '/dev/urandom', '/']), join(dir, rng.pick(['model.onnx', 'model.onnx', 'manifest.json.x'])));
      return;
    default: // manifest that is a special file
      symlinkSync(rng.pick(['/dev/zero', '/dev/urandom', '/']), join(dir, 'manifest.json'));
  }
}

t.test('mutated manifests and model files through the store: verified, or refused with a documented code', async (t) => {
  const rng = fuzzRng(t, 'models');
  const root = t.testdir();
  const ids = Array.from({ length: MODEL_INPUTS }, (_, i) => `fuzz-${i}`);
  for (const id of ids) mutatedModel(rng, root, id);
  const tally = new Tally('models (store)');
  let store: ModelStore;
  try {
    store = new ModelStore({ modelDir: root, manifestDirs: [root], logger: silentLogger() });
  } catch (err) {
    tally.add('opening the store', badError(err, codes) ?? 'one broken manifest failed every model');
    tally.report(t);
    return;
  }
  for (const id of ids) {
    const outcome = await withTimeout(20_000, async () => {
      try {
        const v = await store.verify(id);
        return v.state === 'ok' ? 'ok' : 'refused';
      } catch (err) {
        return badError(err, codes) ?? 'refused';
      }
    });
    tally.add(id, outcome);
  }
  tally.report(t);

  // The same folder through the CLI: one `models verify` over every model.
  const r = await runCli(['models', 'verify', '--model-dir', root, '--data-dir', join(root, '..', 'data')], {}, 120_000);
  const cli = new Tally('models (models verify)');
  cli.add('models verify over the batch', badCliOutput(r, codes) ?? 'ok');
  cli.report(t);
});

t.test('scripted broker refusals through the MQTT publisher: a documented code or a refusal outcome, never a hang', async (t) => {
  const rng = fuzzRng(t, 'broker refusals');
  const broker = await startScriptedBroker();
  t.teardown(() => broker.close());
  const tally = new Tally('broker refusals');
  for (let i = 0; i < REFUSAL_INPUTS; i++) {
    broker.refuseWith = rng.int(3) === 0 ? rng.pick([0x80, 0x81, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x9f, 1, 2, 3, 4, 5]) : undefined;
    const dropEvery = 1 + rng.int(4);
    broker.shouldAck = (_c, n) => n % dropEvery !== 0;
    const publisher = new MqttPublisher({ url: broker.url, thingName: 'fuzz', deviceId: 'fuzz', statusTopic: 'edge-agent/fuzz/status', logger: silentLogger(), connectTimeoutMs: 2_000, protocolVersion: rng.pick([5, 4] as const) });
    const outcome = await withTimeout(30_000, async () => {
      try {
        await publisher.connect();
        const sends = Array.from({ length: 1 + rng.int(4) }, (_, k) => withTimeout(1_000, () => publisher.publish({ topic: 'edge-agent/fuzz/results/m', payload: `{"n":${k}}` })));
        await Promise.all(sends);
        return 'ok';
      } catch (err) {
        return badError(err, codes) ?? 'refused';
      } finally {
        await publisher.close();
      }
    });
    tally.add(`refusal ${i} (refuseWith ${broker.refuseWith ?? 'none'}, no PUBACK every ${dropEvery})`, outcome);
  }
  tally.report(t);
});
