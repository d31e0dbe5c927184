import t from 'tap';
import { readFileSync } from 'node:fs';
import { errorCatalogue } from '../../agent/docs/catalogue.js';
import { cataloguePath, declaringFiles, errorsDocPath, renderCatalogueModule, renderErrorsDoc } from '../../agent/docs/errors-doc.js';

t.test('catalogue.ts imports every file that declares error codes', async (t) => {
  t.equal(readFileSync(cataloguePath, 'utf8'), renderCatalogueModule(declaringFiles()), 'run `npm run docs:errors`');
  t.ok(declaringFiles().includes('../config/errors.js'));
});

t.test('codes are unique, well formed and documented', async (t) => {
  const codes = errorCatalogue.map((e) => e.code);
  t.ok(codes.length > 10, `${codes.length} codes`);
  t.equal(new Set(codes).size, codes.length, 'no code declared twice');
  const doc = readFileSync(errorsDocPath, 'utf8');
  for (const e of errorCatalogue) {
    t.match(e.code, /^EDGE_[A-Z0-9]+(_[A-Z0-9]+)+$/, e.code);
    t.ok(doc.includes(`| \`${e.code}\` | ${e.kind} | ${e.area} |`), `${e.code} has a row in docs/errors.md`);
  }
  t.equal(doc, renderErrorsDoc(errorCatalogue), 'docs/errors.md is current; run `npm run docs:errors`');
});
