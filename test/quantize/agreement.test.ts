import t from 'tap';
import { readFileSync } from 'node:fs';
import { ModelRunner } from '../../agent/pipeline/model-runner.js';
import { silentLogger } from '../../agent/log/logger.js';
import { boxIou, compareVariant, matchDetections } from '../../agent/quantize/agreement.js';
import { compositeScenes } from '../../agent/quantize/eval-scenes.js';
import type { Detection } from '../../agent/results/result-record.js';
import { sharedImage } from '../helpers/shared.js';
import { testStore } from '../helpers/test-store.js';

const det = (label: string, score: number, x: number, y = 0, w = 100, h = 100): Detection => ({ label, score, box: { x, y, width: w, height: h } });

t.test('boxIou', async (t) => {
  t.equal(boxIou(det('a', 1, 0).box, det('a', 1, 0).box), 1);
  t.equal(boxIou(det('a', 1, 0).box, det('a', 1, 200).box), 0);
  t.ok(Math.abs(boxIou(det('a', 1, 0).box, det('a', 1, 50).box) - 1 / 3) < 1e-9);
});

t.test('matchDetections pairs one to one at IoU >= 0.8 with the same label', async (t) => {
  const float = [det('person', 0.9, 0), det('person', 0.8, 300), det('face', 0.7, 600)];
  const variant = [det('person', 0.85, 5), det('person', 0.6, 330), det('cat', 0.7, 600), det('person', 0.5, 8)];
  // Only the first pair: the second moved 30 px (IoU 0.54), the third changed label, the fourth is a duplicate.
  const diffs = matchDetections(float, variant);
  t.equal(diffs.length, 1);
  t.ok(Math.abs(diffs[0]! - -0.05) < 1e-9, 'score difference is variant minus float');
  t.same(matchDetections([], []), []);
});

t.test('compareVariant on the real model: a model agrees with itself, composited scenes decode', async (t) => {
  const store = testStore(t.testdir());
  const a = await ModelRunner.load(store, 'person-yolox-192', { deviceId: 't', logger: silentLogger(), intraOpThreads: 1 });
  const b = await ModelRunner.load(store, 'person-yolox-192', { deviceId: 't', logger: silentLogger(), intraOpThreads: 1 });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const images = ['hopper.jpg', 'astronaut.png', 'coffee.png', 'truncated.jpg'].map((name) => ({ name, data: readFileSync(sharedImage(name)) }));
  const report = await compareVariant(a, b, images);
  t.equal(report.task, 'detection');
  t.equal(report.images, 3);
  t.same(report.skipped, ['truncated.jpg'], 'an undecodable image is left out and named');
  t.ok(report.floatBoxes >= 2, `people found in hopper and astronaut (${report.floatBoxes})`);
  t.equal(report.matchedBoxes, report.floatBoxes);
  t.equal(report.agreement, 1);
  t.equal(report.meanAbsScoreDiff, 0);

  const scenes = await compositeScenes(images.slice(0, 3), 4);
  t.equal(scenes.length, 4);
  t.not(scenes[0]!.data.equals(scenes[1]!.data), true, 'scenes differ');
  const onScenes = await compareVariant(a, b, scenes);
  t.equal(onScenes.images, 4);
  t.ok(onScenes.floatBoxes >= 1, `the pasted people are found (${onScenes.floatBoxes} boxes)`);
});
