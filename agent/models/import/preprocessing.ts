/**
 * How each family of models wants its input, as manifest input fields. Ultralytics models take
 * RGB scaled to 0..1 in a centred letterbox padded with 114; ImageNet classifiers take RGB with
 * the ImageNet mean and std; YOLOX and YuNet take BGR 0..255 letterboxed at the top-left.
 */
import type { InputSpec } from '../manifest.js';
import type { PreprocessName } from './layouts.js';

/** The --preprocess values. */
export const preprocessNames: readonly PreprocessName[] = ['ultralytics', 'yolox', 'yunet', 'imagenet', 'unit', 'raw-rgb'];

/** What each preset means, for help and messages. */
export const preprocessHelp: Record<PreprocessName, string> = {
  ultralytics: 'RGB 0..1, centred letterbox padded 114 (Ultralytics detect, pose, YOLOv5/v7)',
  yolox: 'BGR 0..255, top-left letterbox padded 114 (YOLOX)',
  yunet: 'BGR 0..255, top-left letterbox padded 0 (YuNet)',
  imagenet: 'RGB, (x/255 - mean) / std with the ImageNet mean and std, stretched',
  unit: 'RGB 0..1, stretched (Ultralytics classify)',
  'raw-rgb': 'RGB 0..255 as is, stretched (TF Object Detection API, uint8 inputs)',
};

type Fields = Pick<InputSpec, 'channelOrder' | 'scale' | 'mean' | 'std' | 'resize' | 'align' | 'padValue' | 'kernel'>;

const zero: [number, number, number] = [0, 0, 0];
const one: [number, number, number] = [1, 1, 1];

const presets: Record<PreprocessName, Fields> = {
  ultralytics: { channelOrder: 'RGB', scale: 1 / 255, mean: zero, std: one, resize: 'letterbox', align: 'center', padValue: 114, kernel: 'linear' },
  yolox: { channelOrder: 'BGR', scale: 1, mean: zero, std: one, resize: 'letterbox', align: 'top-left', padValue: 114, kernel: 'linear' },
  yunet: { channelOrder: 'BGR', scale: 1, mean: zero, std: one, resize: 'letterbox', align: 'top-left', padValue: 0, kernel: 'linear' },
  imagenet: { channelOrder: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'stretch', align: 'top-left', padValue: 0, kernel: 'linear' },
  unit: { channelOrder: 'RGB', scale: 1 / 255, mean: zero, std: one, resize: 'stretch', align: 'top-left', padValue: 0, kernel: 'linear' },
  'raw-rgb': { channelOrder: 'RGB', scale: 1, mean: zero, std: one, resize: 'stretch', align: 'top-left', padValue: 0, kernel: 'linear' },
};

/** The input fields of a preset (copies, so a manifest never shares arrays). */
export function preprocessFields(name: PreprocessName): Fields {
  const p = presets[name];
  return { ...p, mean: [...p.mean], std: [...p.std] };
}
