import t from 'tap';
import { checkClassNames } from '../../agent/runtime/check-class-names.js';
import type { CameraSettings } from '../../agent/runtime/resolve.js';

function camera(classes?: string[], thresholds?: Record<string, number>): CameraSettings {
  return {
    name: 'door',
    models: [{ id: 'coco', threshold: 0.5, classFilter: { classes, thresholds }, report: { policy: 'every', heartbeatSeconds: 60, minScore: 0 }, topic: 't' }],
  } as unknown as CameraSettings;
}

const labels = () => ['person', 'bicycle', 'car'];

t.test('known labels pass', async (t) => {
  t.doesNotThrow(() => checkClassNames([camera(['person', 'car'], { car: 0.7 })], labels));
  t.doesNotThrow(() => checkClassNames([camera()], labels), 'no filter, nothing to check');
});

t.test('a misspelt class is refused with its key path and the nearest label', async (t) => {
  t.throws(() => checkClassNames([camera(['persn'])], labels), {
    code: 'EDGE_CONFIG_INVALID',
    message: /cameras\[0\]\.models\[0\]\.classes but received "persn"; did you mean "person"\?/,
  });
  t.throws(() => checkClassNames([camera(undefined, { truck: 0.4 })], labels), { code: 'EDGE_CONFIG_INVALID', message: /classThresholds but received "truck"/ });
});
