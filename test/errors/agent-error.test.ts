import t from 'tap';
import { AgentError, defineErrors, exitCodes, hasCode } from '../../agent/errors/agent-error.js';

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
