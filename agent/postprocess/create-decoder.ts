/** Picks the decoder a manifest names. */
import type { ModelManifest } from '../models/manifest.js';
import type { Decoder } from './decoder.js';
import { decodeErrors } from './errors.js';
import { SoftmaxTopKDecoder } from './softmax-topk-decoder.js';
import { YoloxDecoder } from './yolox-decoder.js';
import { YunetDecoder } from './yunet-decoder.js';

/** The decoder for `manifest.decoder.name`, configured from the manifest. */
export function createDecoder(manifest: ModelManifest): Decoder {
  const firstOutput = manifest.outputs[0]?.name ?? 'output';
  switch (manifest.decoder.name) {
    case 'yolox':
      return new YoloxDecoder(manifest.decoder, manifest.labels, firstOutput);
    case 'yunet':
      return new YunetDecoder(manifest.decoder, manifest.labels);
    case 'softmax-topk':
      return new SoftmaxTopKDecoder(manifest.decoder, manifest.labels, firstOutput);
    default:
      throw decodeErrors.EDGE_DECODE_UNKNOWN(`Expected decoder yolox, yunet or softmax-topk in model "${manifest.id}" but received ${String((manifest.decoder as { name: unknown }).name)}`, { id: manifest.id });
  }
}
