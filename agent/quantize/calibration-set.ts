/** Finds the calibration images in a directory. */
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { quantizeErrors } from './errors.js';

/** File extensions sharp decodes that make sense as camera frames. */
const imageExtensions: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

/** Image files directly inside `dir`, sorted by name so calibration is reproducible. */
export async function listCalibrationImages(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_CALIBRATION_EMPTY(`Expected a readable directory of calibration images at ${dir} but reading it failed: ${(err as Error).message}`, { dir }, err);
  }
  const images = names.filter((n) => imageExtensions.has(extname(n).toLowerCase())).sort().map((n) => join(dir, n));
  if (images.length === 0) {
    throw quantizeErrors.EDGE_QUANTIZE_CALIBRATION_EMPTY(`Expected image files (${[...imageExtensions].join(', ')}) in ${dir} but found none`, { dir });
  }
  return images;
}
