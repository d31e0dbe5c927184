import t from 'tap';
import { envBindings, envVariableName, environmentLayer } from '../../agent/config/env-layer.js';

t.test('variable names come from key paths', async (t) => {
  t.equal(envVariableName(['dataDir']), 'EDGE_AGENT_DATA_DIR');
  t.equal(envVariableName(['publish', 'brokerUrl']), 'EDGE_AGENT_PUBLISH__BROKER_URL');
  t.equal(envVariableName(['publish', 'tls', 'ca']), 'EDGE_AGENT_PUBLISH__TLS__CA');
  const names = envBindings().map((b) => b.variable);
  t.ok(names.includes('EDGE_AGENT_LOG_LEVEL'), 'the name environment.ts already documented still works');
  t.notOk(names.some((n) => n.startsWith('EDGE_AGENT_CAMERAS')), 'cameras are not settable from the environment');
  t.equal(new Set(names).size, names.length, 'no two keys share a variable');
});

t.test('values are read as the key\'s type', async (t) => {
  const { layer, variableFor } = environmentLayer({
    EDGE_AGENT_HEALTH__PORT: '8080',
    EDGE_AGENT_HEALTH__ENABLED: 'no',
    EDGE_AGENT_OUTBOX__MAX_ROWS: '10',
    EDGE_AGENT_CAPTURE__AUTO_BACKENDS: 'v4l2,rpicam',
    EDGE_AGENT_PUBLISH__PASSWORD: '12345',
    EDGE_AGENT_DEVICE_ID: '',
  });
  t.same(layer, {
    health: { port: 8080, enabled: false },
    outbox: { maxRows: 10 },
    publish: { password: '12345' },
    capture: { autoBackends: ['v4l2', 'rpicam'] },
  });
  t.equal(variableFor.get('health.port'), 'EDGE_AGENT_HEALTH__PORT');
});
