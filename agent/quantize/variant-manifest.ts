/**
 * The manifest of a quantized variant: the float model's manifest with the new file's identity,
 * `derivedFrom` pointing back at the float model and the calibration set described. It is
 * validated by the same schema as every other manifest before it is written.
 */
import { join } from 'node:path';
import { parseManifest } from '../models/manifest-loader.js';
import type { ModelManifest, Quantization } from '../models/manifest.js';
import type { QuantizationReport } from './quantize-model.js';
import { writeAtomically } from './write-atomically.js';

/** What the manifest says about where the calibration images came from. */
export interface CalibrationSource {
  /** The directory the images were read from, as the user gave it. */
  readonly dir: string;
}

/** The quantization label a report corresponds to (int8 activations: int8-qdq; uint8: uint8-qdq). */
export function quantizationOf(report: Pick<QuantizationReport, 'activationType'>): Quantization {
  return report.activationType === 'uint8-asymmetric' ? 'uint8-qdq' : 'int8-qdq';
}

/** Builds and validates the variant manifest for `report`, written as model.onnx under the new id. */
export function variantManifest(base: ModelManifest, newId: string, report: QuantizationReport, source: CalibrationSource): ModelManifest {
  const method = report.method === 'percentile' ? `percentile ${report.percentile ?? ''}`.trim() : 'minmax';
  const activations = report.activationType === 'uint8-asymmetric' ? 'uint8 (U8S8)' : 'int8 (S8S8)';
  const manifest: ModelManifest = {
    id: newId,
    version: base.version,
    task: base.task,
    description: `${base.description} Static int8 QDQ variant of ${base.id}: per-channel ${report.reduceRange ? '7-bit' : '8-bit'} weights, ${activations} activations; made on this device by \`edge-agent models quantize\`.`,
    file: 'model.onnx',
    sha256: report.sha256,
    bytes: report.int8Bytes,
    licence: base.licence,
    // Made on this device: there is nowhere to pull it from.
    sources: [],
    input: base.input,
    outputs: base.outputs,
    decoder: base.decoder,
    labels: base.labels,
    quantization: quantizationOf(report),
    derivedFrom: base.id,
    calibration: {
      images: report.calibrationImages,
      method,
      description: `${report.calibrationImages} images from ${source.dir}${report.calibrationFrames > 0 ? ` plus ${report.calibrationFrames} scenes composited from them` : ''}, ${method} activation ranges, ${activations}${floatBlocks(report.keptFloat.length)}`,
    },
  };
  return parseManifest(JSON.parse(JSON.stringify(manifest)), `(variant ${newId} of ${base.id})`);
}

/** Writes `manifest` as `<dir>/manifest.json`, atomically. */
export async function writeManifest(dir: string, manifest: ModelManifest): Promise<string> {
  const path = join(dir, 'manifest.json');
  await writeAtomically(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

function floatBlocks(n: number): string {
  if (n === 0) return '';
  return n === 1 ? ', the most sensitive block float' : `, the ${n} most sensitive blocks float`;
}
