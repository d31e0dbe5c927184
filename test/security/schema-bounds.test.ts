/**
 * Every number in the configuration has a bound the runtime honours: the test walks the schema and
 * fails for any numeric key without a `maximum`, and checks the bounds the runtime's own limits
 * dictate (Node timers, MQTT's 16-bit keepalive).
 */
import t from 'tap';
import { configSchema } from '../../agent/config/schema.js';
import { formatKeyPath, schemaKeys, type SchemaNode } from '../../agent/config/schema-walk.js';
import { checkLayer } from '../../agent/config/validate.js';

/** Node's setTimeout/setInterval fire at once (every millisecond, for an interval) above this. */
const maxTimerMs = 2 ** 31 - 1;

function isNumeric(node: SchemaNode): boolean {
  const types = node.type === undefined ? [] : typeof node.type === 'string' ? [node.type] : node.type;
  return types.includes('integer') || types.includes('number');
}

const numeric = schemaKeys(configSchema as SchemaNode).filter((k) => isNumeric(k.node));

t.test('every numeric key states a maximum', async (t) => {
  t.ok(numeric.length > 20, `${numeric.length} numeric keys found`);
  const unbounded = numeric.filter((k) => k.node.maximum === undefined).map((k) => formatKeyPath(k.path));
  t.same(unbounded, [], 'numeric keys without a maximum');
});

t.test('durations fit a Node timer: ...Ms at most 2^31-1, ...Seconds at most (2^31-1)/1000', async (t) => {
  for (const k of numeric) {
    const name = k.path[k.path.length - 1] ?? '';
    const max = k.node.maximum ?? Infinity;
    if (name.endsWith('Ms')) t.ok(max <= maxTimerMs, `${formatKeyPath(k.path)} <= ${maxTimerMs}`);
    if (name.endsWith('Seconds')) t.ok(max * 1000 <= maxTimerMs, `${formatKeyPath(k.path)} x 1000 <= ${maxTimerMs}`);
  }
});

t.test('the values fuzzing found are refused with the bound named', async (t) => {
  const message = (layer: unknown): string => checkLayer(layer).map((p) => p.message).join('\n');
  t.match(message({ publish: { heartbeatSeconds: 2147484 } }), 'Expected a number <= 2147483 for publish.heartbeatSeconds but received 2147484 of type number');
  t.match(message({ publish: { keepaliveSeconds: 65536 } }), 'Expected a number <= 65535 for publish.keepaliveSeconds');
  t.match(message({ inference: { intraOpThreads: 100000 } }), 'Expected a number <= 1024 for inference.intraOpThreads');
  t.match(message({ outbox: { maxBytes: 1e308 } }), 'outbox.maxBytes');
  t.same(checkLayer({ publish: { heartbeatSeconds: 2147483, keepaliveSeconds: 65535 } }), [], 'the bounds themselves are accepted');
});

t.test('intraOpThreads is bounded by this device\'s CPU count too (cross-check)', async (t) => {
  const { availableParallelism } = await import('node:os');
  const { crossCheck, threadsPerCpu } = await import('../../agent/config/cross-checks.js');
  const { checkMerged } = await import('../../agent/config/validate.js');
  const limit = availableParallelism() * threadsPerCpu;
  const problems = (threads: number): string[] => {
    const config: Record<string, unknown> = { inference: { intraOpThreads: threads } };
    t.same(checkMerged(config), []);
    return crossCheck(config as never).map((p) => p.message);
  };
  t.same(problems(limit), []);
  t.match(problems(limit + 1)[0], `Expected inference.intraOpThreads of at most ${limit}`);
});
