/**
 * Per-camera classes and per-class thresholds, on the records of a real imported 80-class
 * detector (rewritten from the shared person model; person 0.936 in hopper.jpg, 0.88 in
 * astronaut.png) and on a classifier's classes.
 */
import t from 'tap';
import { decodeThreshold, keepClasses } from '../../agent/postprocess/class-filter.js';
import { loadConfig } from '../../agent/config/load-config.js';
import { cameraSettingsFor } from '../../agent/runtime/resolve.js';
import { builders } from '../import/helpers/rewrite-person-model.js';
import { detectionsOf, frameOf, importInto, runnerFor } from '../import/helpers/import-and-run.js';

t.test('the decoder runs at the lowest threshold a kept class needs', async (t) => {
  t.equal(decodeThreshold(0.5, undefined), 0.5);
  t.equal(decodeThreshold(0.5, { classes: ['person'] }), 0.5);
  t.equal(decodeThreshold(0.5, { thresholds: { car: 0.3 } }), 0.3);
  t.equal(decodeThreshold(0.5, { classes: ['person'], thresholds: { person: 0.7, car: 0.2 } }), 0.7, 'a threshold of a class that is not kept does not lower it');
  t.equal(decodeThreshold(0.5, { classes: ['person', 'car'], thresholds: { person: 0.7 } }), 0.5, 'car has no own threshold, so the model threshold stands');
});

t.test('classes and classThresholds on an imported COCO detector', async (t) => {
  const dir = t.testdir();
  const { plan } = await importInto(dir, builders.ultralytics(dir), { id: 'coco-person' });
  const runner = await runnerFor(dir, plan.manifest.id);
  t.teardown(() => runner.close());
  const hopper = await runner.infer(frameOf('hopper.jpg'), decodeThreshold(0.5, { thresholds: { person: 0.9 } }));
  const astronaut = await runner.infer(frameOf('astronaut.png'), 0.5);
  t.equal(detectionsOf(hopper).length, 1);
  t.equal(detectionsOf(keepClasses(hopper, 0.5, { classes: ['person', 'car'] })).length, 1, 'person kept by [person, car]');
  t.same(detectionsOf(keepClasses(hopper, 0.5, { classes: ['car'] })), [], 'person dropped by [car]');
  t.equal(detectionsOf(keepClasses(hopper, 0.5, { thresholds: { person: 0.9 } })).length, 1, 'hopper 0.936 passes person: 0.9');
  t.same(detectionsOf(keepClasses(astronaut, 0.5, { thresholds: { person: 0.9 } })), [], 'astronaut 0.88 does not');
  t.equal(detectionsOf(keepClasses(astronaut, 0.5, { thresholds: { car: 0.99 } })).length, 1, 'another class threshold leaves person at the model threshold');
});

t.test('a classifier keeps only the named classes', async (t) => {
  const out = keepClasses({ classes: [{ label: 'cat', score: 0.7 }, { label: 'dog', score: 0.2 }] }, 0.1, { classes: ['dog'] });
  t.same(out, { classes: [{ label: 'dog', score: 0.2 }] });
});

t.test('the configuration carries classes and classThresholds to the camera settings', async (t) => {
  const { config } = loadConfig({
    defaultFile: undefined,
    env: {},
    document: { label: 'test document', values: { cameras: [{ name: 'door', source: { type: 'files', path: '/srv' }, models: [{ id: 'coco-person', classes: ['person', 'car'], classThresholds: { person: 0.6 } }] }] } },
  });
  const camera = config.cameras[0];
  if (camera === undefined) return t.fail('one camera');
  t.same(cameraSettingsFor(camera, config).models[0]?.classFilter, { classes: ['person', 'car'], thresholds: { person: 0.6 } });
  t.throws(
    () => loadConfig({ defaultFile: undefined, env: {}, document: { label: 'test document', values: { cameras: [{ name: 'door', source: { type: 'files', path: '/srv' }, models: [{ id: 'x', classThresholds: { person: 2 } }] }] } } }),
    { code: 'EDGE_CONFIG_INVALID' },
    'a threshold above 1 is refused',
  );
});
