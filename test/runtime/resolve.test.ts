/**
 * Every leaf key of the configuration schema is read by the one resolver (agent/runtime/resolve.ts):
 * a key that is validated and documented but honoured by nothing fails here. The resolver runs on a
 * configuration that sets every key, once per source type, behind a proxy that records each key
 * path it reads.
 */
import t from 'tap';
import { loadConfig } from '../../agent/config/load-config.js';
import { configSchema, type AgentConfig } from '../../agent/config/schema.js';
import { formatKeyPath, schemaKeys, type SchemaNode } from '../../agent/config/schema-walk.js';
import { resolveConfig } from '../../agent/runtime/resolve.js';

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

/** A read-only view of `value` that adds the path of every leaf read to `reads`. */
function recording<T>(value: T, reads: Set<string>, path = ''): T {
  if (isScalar(value)) return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof key === 'symbol' || typeof v === 'function') return v;
      const child = Array.isArray(target) ? `${path}[]` : path === '' ? key : `${path}.${key}`;
      if (Array.isArray(target) && !/^\d+$/.test(key)) return v; // length and the like
      // A leaf: a scalar, or a list of scalars (read as a whole).
      // A polygon's corners are a list of lists of scalars, also read as a whole.
      if (isScalar(v) || (Array.isArray(v) && v.every((x) => isScalar(x) || (Array.isArray(x) && x.every(isScalar))))) {
        reads.add(child);
        return v;
      }
      return recording(v, reads, child);
    },
  }) as T;
}

const sources: Record<string, unknown>[] = [
  { type: 'files', path: '/srv/frames', glob: '*.jpg', loop: true },
  { type: 'rpicam', cameraIndex: 1, binary: 'libcamera-vid' },
  { type: 'raspistill' },
  { type: 'v4l2', device: '/dev/video2', inputFormat: 'raw' },
  { type: 'rtsp', url: 'rtsp://127.0.0.1:8554/cam' },
  { type: 'http', url: 'http://127.0.0.1:8080/mjpeg' },
  { type: 'gstreamer', pipeline: 'videotestsrc ! jpegenc ! fdsink' },
  { type: 'auto' },
];

function everyKeySet(): Record<string, unknown> {
  return {
    deviceId: 'resolve-test',
    dataDir: '/tmp/edge-agent-resolve-test',
    logLevel: 'debug',
    memoryBudgetBytes: 1 << 27,
    shutdownTimeoutMs: 4000,
    capture: { autoBackends: ['v4l2', 'rpicam'], frameWidth: 320, frameHeight: 240 },
    cameras: sources.map((s, i) => ({
      name: `cam${i}`,
      source: { ...s, ...(i % 2 === 0 ? { width: 320, height: 240 } : {}), fps: 5, stallTimeoutMs: 7000, restartBackoffInitialMs: 250, restartBackoffMaxMs: 9000 },
      ...(i % 2 === 0 ? { targetIntervalMs: 500 } : { targetFps: 3 }),
      changeGate: { enabled: true, mode: i % 2 === 0 ? 'motion' : 'mean', threshold: 0.05, analysisWidth: 200, pixelThreshold: 20, minAreaPixels: 300, trackedIntervalMs: 1500 },
      zones: [{ name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: ['person'], minDwellSeconds: 2 }],
      lines: [{ name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: ['person'] }],
      models: [{ id: 'person-yolox-192', threshold: 0.4, report: { policy: i % 2 === 0 ? 'on-change' : 'events', heartbeatSeconds: 30, minScore: 0.2, intervalSeconds: 15 }, tracking: { enabled: true, minHits: 2, maxMissedFrames: 4, minIou: 0.3, highScore: 0.6 } }],
    })),
    models: { dir: '/tmp/models', mirror: '/tmp/mirror', variantPreference: ['int8-qdq', 'none'] },
    inference: {
      executionProviders: ['xnnpack', 'cpu'],
      intraOpThreads: 2,
      graphOptimization: 'basic',
      timeoutMs: 20000,
      variantSelection: { enabled: true, stepDownAfterSeconds: 5, stepUpAfterSeconds: 30, headroom: 0.5 },
      batching: { maxBatch: 4, maxWaitMs: 20 },
    },
    publish: {
      transport: 'mqtt',
      brokerUrl: 'mqtt://127.0.0.1:1883',
      clientId: 'client',
      thingName: 'thing',
      tls: { ca: '/tmp/ca.pem', cert: '/tmp/cert.pem', key: '/tmp/key.pem' },
      username: 'user',
      password: 'secret',
    },
    health: { enabled: true, host: '127.0.0.1', port: 0 },
    outbox: { groupCommit: { windowMs: 80, maxRows: 300 } },
  };
}

t.test('the resolver reads every leaf key of the schema', async (t) => {
  const loaded = loadConfig({ document: { values: everyKeySet(), label: 'resolve.test' }, env: {}, profile: 'generic-x86_64' });
  const reads = new Set<string>();
  const resolved = resolveConfig(recording<AgentConfig>(structuredClone(loaded.config), reads));
  t.equal(resolved.cameras.length, sources.length, 'one camera per source type');
  const leaves = schemaKeys(configSchema as unknown as SchemaNode)
    .filter((k) => k.scalar)
    .map((k) => formatKeyPath(k.path));
  const unread = leaves.filter((k) => !reads.has(k));
  t.same(unread, [], 'each of these keys is validated and documented but read by nothing: honour it in agent/runtime/resolve.ts or remove it from the schema');
  t.ok(reads.size >= 60, `the proxy recorded ${reads.size} keys (guards against a proxy that records nothing)`);
});

t.test('resolved values follow the configuration', async (t) => {
  const loaded = loadConfig({ document: { values: everyKeySet(), label: 'resolve.test' }, env: {}, profile: 'generic-x86_64' });
  const r = resolveConfig(loaded.config);
  t.equal(r.outbox.path.startsWith('/tmp/edge-agent-resolve-test/'), true, 'the outbox lives in dataDir');
  t.same(r.outbox.groupCommit, { windowMs: 80, maxRows: 300 });
  t.equal(r.models.dir, '/tmp/models');
  t.equal(r.cameras[0]?.intervalMs, 500);
  t.equal(r.cameras[1]?.intervalMs, 1000 / 3);
  t.equal(r.cameras[0]?.models[0]?.topic, 'edge-agent/thing/results/person-yolox-192');
  t.equal(r.publish.clientId, 'client');
  t.equal(r.inference.variantSelection.stepDownAfterMs, 5000);
  t.same(r.inference.batching, { maxBatch: 4, maxWaitMs: 20 });
  t.same(r.cameras[0]?.gate, { mode: 'motion', analysisWidth: 200, pixelThreshold: 20, minAreaPixels: 300, trackedIntervalMs: 1500 });
  t.same(r.cameras[1]?.gate, { mode: 'mean', threshold: 0.05 });
  t.same(r.cameras[0]?.scene.zones[0], { name: 'right', polygon: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]], labels: ['person'], minDwellMs: 2000 });
  t.same(r.cameras[0]?.scene.lines[0], { name: 'middle', from: [0.5, 0], to: [0.5, 1], labels: ['person'] });
  t.same(r.cameras[1]?.models[0]?.tracking, { enabled: true, minHits: 2, maxMissedFrames: 4, minIou: 0.3, highScore: 0.6 });
  t.equal(r.cameras[1]?.models[0]?.report.policy, 'events');
  t.equal(r.cameras[1]?.models[0]?.report.intervalSeconds, 15);
});
