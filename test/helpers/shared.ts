/** Paths to the real models and images in ../shared (never copied into this repository). */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** ../shared beside the repository. */
export const sharedDir = join(repoRoot, '..', 'shared');
/** Mirror laid out as `<id>/model.onnx`. */
export const sharedModels = join(sharedDir, 'models');
/** Sample images (see ../shared/images/CREDITS.md). */
export const sharedImages = join(sharedDir, 'images');

/** Absolute path of one sample image. */
export function sharedImage(name: string): string {
  return join(sharedImages, name);
}

/** Absolute path of one shared model file. */
export function sharedModel(id: string): string {
  return join(sharedModels, id, 'model.onnx');
}
