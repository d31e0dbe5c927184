import t from 'tap';
import { ReadinessTracker } from '../../agent/health/readiness.js';

t.test('ready only when models are warmed up and cameras deliver', async (t) => {
  let now = 1000;
  const r = new ReadinessTracker({ cameras: [{ name: 'door', staleAfterMs: 5000 }], models: ['m1', 'm2'], now: () => now });
  t.same(r.check(), {
    ready: false,
    reasons: ['model m1 is not loaded and warmed up', 'model m2 is not loaded and warmed up', 'camera door has delivered no frame yet'],
  });
  r.modelWarmedUp('m1');
  r.modelWarmedUp('m2');
  r.frameDelivered('door');
  t.same(r.check(), { ready: true, reasons: [] });
  now += 6000;
  t.same(r.check(), { ready: false, reasons: ['camera door delivered its last frame 6000 ms ago (limit 5000 ms)'] });
  r.frameDelivered('door');
  r.modelUnloaded('m2');
  t.same(r.check(), { ready: false, reasons: ['model m2 is not loaded and warmed up'] });
});

t.test('a camera that is down is named with its failure until its next frame; one given up says so', async (t) => {
  const r = new ReadinessTracker({ cameras: [{ name: 'door', staleAfterMs: 5000 }, { name: 'yard', staleAfterMs: 5000 }], models: [], now: () => 1000 });
  r.frameDelivered('door');
  r.frameDelivered('yard');
  r.cameraDown('door', 'rpicam-vid for source "door" exited with code 3');
  r.cameraFailed('yard', 'rpicam-vid not found on PATH');
  t.same(r.check(), {
    ready: false,
    reasons: [
      'camera door is down and being retried: rpicam-vid for source "door" exited with code 3',
      'camera yard failed and is not retried: rpicam-vid not found on PATH',
    ],
  });
  r.frameDelivered('door');
  t.same(r.check().reasons, ['camera yard failed and is not retried: rpicam-vid not found on PATH'], 'a frame brings the camera back');
});

t.test('a model given up is named first and stays until the agent restarts; restartNeeded says why', async (t) => {
  const r = new ReadinessTracker({ cameras: [], models: ['m1'], now: () => 1000 });
  r.modelWarmedUp('m1');
  t.equal(r.restartNeeded(), undefined, 'nothing needs a restart yet');
  r.modelFailed('m1', 'its session was rebuilt 3 times within 600 s');
  r.modelFailed('m1', 'a later reason does not replace the first');
  r.modelWarmedUp('m1'); // the last rebuild's session loaded: still given up
  const reason = 'model m1 failed and the agent needs a restart: its session was rebuilt 3 times within 600 s';
  t.same(r.check(), { ready: false, reasons: [reason] });
  t.equal(r.restartNeeded(), reason);
  r.track([], []);
  t.same(r.check().reasons, [reason], 'still owed after the model is no longer configured');
});
