import t from 'tap';
import { request } from 'node:http';
import { silentLogger } from '../../agent/log/logger.js';
import { startHealthServer } from '../../agent/health/health-server.js';
import { createAgentMetrics } from '../../agent/health/metrics.js';
import { ReadinessTracker, type Readiness } from '../../agent/health/readiness.js';

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('healthz, readyz and metrics over real HTTP', async (t) => {
  const metrics = createAgentMetrics({ processMetrics: false });
  const tracker = new ReadinessTracker({ cameras: [{ name: 'door', staleAfterMs: 60000 }], models: ['person-yolox-192'] });
  const server = await startHealthServer({ host: '127.0.0.1', port: 0, metrics, readiness: () => tracker.check(), logger: silentLogger() });
  t.teardown(() => server.close());
  t.ok(server.port > 0);
  t.equal(server.url, `http://127.0.0.1:${server.port}`);

  const alive = await get(`${server.url}/healthz`);
  t.equal(alive.status, 200);
  t.equal(alive.body, 'ok\n');

  const notReady = await get(`${server.url}/readyz`);
  t.equal(notReady.status, 503);
  t.equal(notReady.type, 'application/json');
  t.same(JSON.parse(notReady.body) as Readiness, {
    ready: false,
    reasons: ['model person-yolox-192 is not loaded and warmed up', 'camera door has delivered no frame yet'],
  });

  tracker.modelWarmedUp('person-yolox-192');
  tracker.frameDelivered('door');
  const ready = await get(`${server.url}/readyz`);
  t.equal(ready.status, 200);
  t.same(JSON.parse(ready.body), { ready: true, reasons: [] });

  metrics.frameCaptured('door');
  const scraped = await get(`${server.url}/metrics`);
  t.equal(scraped.status, 200);
  t.match(scraped.type, /^text\/plain; version=0\.0\.4/);
  t.match(scraped.body, /^# HELP edge_agent_frames_captured_total /m);
  t.match(scraped.body, /^edge_agent_frames_captured_total\{camera="door"\} 1$/m);

  t.equal((await get(`${server.url}/nope`)).status, 404);
  t.equal((await get(`${server.url}/healthz`, 'POST')).status, 405);
  t.equal((await get(`${server.url}/healthz`, 'HEAD')).status, 200);
});

t.test('a readiness check that throws answers 503 with the reason', async (t) => {
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createAgentMetrics({ processMetrics: false }),
    readiness: async () => {
      await Promise.resolve();
      throw new Error('outbox closed');
    },
    logger: silentLogger(),
  });
  t.teardown(() => server.close());
  const res = await get(`${server.url}/readyz`);
  t.equal(res.status, 503);
  t.same(JSON.parse(res.body), { ready: false, reasons: ['readiness check failed: outbox closed'] });
});

t.test('a port in use fails with the code and the fix', async (t) => {
  const options = { host: '127.0.0.1', port: 0, metrics: createAgentMetrics({ processMetrics: false }), readiness: () => ({ ready: true, reasons: [] }), logger: silentLogger() };
  const first = await startHealthServer(options);
  t.teardown(() => first.close());
  await t.rejects(startHealthServer({ ...options, port: first.port }), {
    code: 'EDGE_HEALTH_LISTEN_FAILED',
    kind: 'environment',
    message: new RegExp(`127\\.0\\.0\\.1:${first.port}.*set health\\.port / EDGE_AGENT_HEALTH__PORT to a free port`),
  });
});

t.test('after close() the port refuses connections', async (t) => {
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createAgentMetrics({ processMetrics: false }),
    readiness: () => ({ ready: true, reasons: [] }),
    logger: silentLogger(),
  });
  t.equal((await get(`${server.url}/healthz`)).status, 200);
  await server.close();
  await t.rejects(get(`${server.url}/healthz`), { code: 'ECONNREFUSED' });
});
