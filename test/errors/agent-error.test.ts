import t from 'tap';
import { AgentError, defineErrors, exitCodes, hasCode, noteUnexpected, observeRaisedErrors } from '../../agent/errors/agent-error.js';

t.test('defineErrors makes factories that carry code, kind and details', async (t) => {
  const errs = defineErrors({ EDGE_TEST_THING: { kind: 'input', summary: 'a test code' } });
  const e = errs.EDGE_TEST_THING('Expected a thing but received nothing', { path: '/x' });
  t.ok(e instanceof AgentError);
  t.equal(e.code, 'EDGE_TEST_THING');
  t.equal(e.kind, 'input');
  t.same(e.details, { path: '/x' });
  t.ok(hasCode(e, 'EDGE_TEST_THING'));
  t.notOk(hasCode(new Error('x'), 'EDGE_TEST_THING'));
  t.equal(exitCodes[e.kind], 4);
});

t.test('every code is reported once when it is raised, and unexpected values once as EDGE_UNEXPECTED', async (t) => {
  const errs = defineErrors({ EDGE_TEST_COUNTED: { kind: 'runtime', summary: 'a counted test code' } });
  const seen: string[] = [];
  const stop = observeRaisedErrors((code) => seen.push(code));
  const e = errs.EDGE_TEST_COUNTED('Expected nothing to fail but it did');
  noteUnexpected(e); // already counted when raised
  noteUnexpected(new TypeError('a library threw'));
  stop();
  errs.EDGE_TEST_COUNTED('raised after unsubscribing');
  t.same(seen, ['EDGE_TEST_COUNTED', 'EDGE_UNEXPECTED']);
});
