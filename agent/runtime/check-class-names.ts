/**
 * A camera's `classes` and `classThresholds` name labels of its model; a misspelt label would
 * filter out every detection without a word, so each name is checked against the loaded model's
 * labels at start and on reconfiguration.
 */
import { configErrors } from '../config/errors.js';
import { nearestName } from '../errors/schema-errors.js';
import type { CameraSettings } from './resolve.js';

/** Throws EDGE_CONFIG_INVALID naming the first label that `labelsOf(modelId)` does not have. */
export function checkClassNames(cameras: readonly CameraSettings[], labelsOf: (modelId: string) => readonly string[]): void {
  cameras.forEach((camera, ci) => {
    camera.models.forEach((m, mi) => {
      const labels = labelsOf(m.id);
      const named = [
        ...(m.classFilter.classes ?? []).map((label) => ({ label, key: 'classes' })),
        ...Object.keys(m.classFilter.thresholds ?? {}).map((label) => ({ label, key: 'classThresholds' })),
      ];
      for (const { label, key } of named) {
        if (labels.includes(label)) continue;
        const near = nearestName(label, labels);
        const path = `cameras[${ci}].models[${mi}].${key}`;
        const shown = labels.length > 20 ? `${labels.slice(0, 20).join(', ')}, ...` : labels.join(', ');
        throw configErrors.EDGE_CONFIG_INVALID(
          `Expected a label of model ${m.id} in ${path} but received "${label}"${near === undefined ? '' : `; did you mean "${near}"?`} (labels: ${shown})`,
          { path, label, model: m.id },
        );
      }
    });
  });
}
