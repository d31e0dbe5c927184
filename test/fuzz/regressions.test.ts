/**
 * Inputs that once failed (issue 18), kept as regression cases: every manifest under
 * regressions/ must be refused with a documented code, never a RangeError or a hang. (Cases
 * built from special files, /dev/zero links, are in test/models/special-files.test.ts.)
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifestFile } from '../../agent/models/manifest-loader.js';
import { badError, documentedCodes } from './helpers/fuzz.js';

const dir = fileURLToPath(new URL('./regressions/', import.meta.url));
const codes = documentedCodes();

t.test('every regression manifest is refused with a documented code', async (t) => {
  const files = readdirSync(dir).filter((f) => f.startsWith('manifest-') && f.endsWith('.json'));
  t.ok(files.length > 0, 'there are regression cases');
  for (const f of files) {
    try {
      loadManifestFile(join(dir, f));
      t.fail(`${f} was accepted`);
    } catch (err) {
      t.equal(badError(err, codes), undefined, f);
    }
  }
});
