import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from '../../agent/errors/agent-error.js';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import type { InputSpec } from '../../agent/models/manifest.js';
import { Preprocessor } from '../../agent/preprocess/preprocessor.js';

const spec = (JSON.parse(readFileSync(join(bundledManifestDir, 'person-yolox-192', 'manifest.json'), 'utf8')) as { input: InputSpec }).input;

t.test('a spec whose tensor cannot be allocated is refused with a code, not a RangeError', async (t) => {
  for (const shape of [[1, 3, 100000, 100000], [1, 3, 0, 192], [1, 3, 1.5, 192], [1, 3, 192], [2, 3, 192, 192]]) {
    try {
      new Preprocessor({ ...spec, shape });
      t.fail(`expected [${shape.join(', ')}] to be refused`);
    } catch (err) {
      t.ok(err instanceof AgentError, `an AgentError for [${shape.join(', ')}]`);
      t.equal((err as AgentError).code, 'EDGE_MODEL_MANIFEST_INVALID');
      t.match((err as Error).message, new RegExp(`received \\[${shape.join(', ')}\\]`));
    }
  }
  t.equal(new Preprocessor(spec).data.length, 3 * 192 * 192, 'the real spec still builds');
});
