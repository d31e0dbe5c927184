import t from 'tap';
import { DEFAULT_TOPIC_TEMPLATES, renderTopic } from '../../agent/publish/topics.js';

t.test('templates fill {thingName} and {modelId}', async (t) => {
  t.equal(renderTopic(DEFAULT_TOPIC_TEMPLATES.results, { thingName: 'pi-1', modelId: 'yunet' }), 'edge-agent/pi-1/results/yunet');
  t.equal(renderTopic('things/{thingName}/status', { thingName: 'pi-1' }), 'things/pi-1/status');
});

t.test('bad templates and values are refused with the template named', async (t) => {
  t.throws(() => renderTopic('a/{deviceName}', { thingName: 'x' }), { code: 'EDGE_PUBLISH_BAD_TOPIC', message: /found \{deviceName\}/ });
  t.throws(() => renderTopic('a/{modelId}', { thingName: 'x' }), { message: /Expected a value for \{modelId\}/ });
  t.throws(() => renderTopic('a/{thingName}', { thingName: 'x/y' }), { message: /without "\/", "\+" or "#"/ });
  t.throws(() => renderTopic('a/+/b', { thingName: 'x' }), { message: /without wildcards/ });
  t.throws(() => renderTopic(`a/${'x'.repeat(300)}`, { thingName: 'x' }), { message: /at most 256 bytes/ });
});
