/** Picks the decoder a manifest names. */
import type { ModelManifest } from '../models/manifest.js';
import type { Decoder } from './decoder.js';
import { decodeErrors } from './errors.js';
import { SoftmaxTopKDecoder } from './softmax-topk-decoder.js';
import { YoloxDecoder } from './yolox-decoder.js';
import { YunetDecoder } from './yunet-decoder.js';

/** The decoder for `manifest.decoder.name`, configured from the manifest. */
export function createDecoder(manifest: ModelManifest): Decoder {
  const config = { spec: manifest.decoder, labels: manifest.labels, outputName: manifest.outputs[0]?.name ?? 'output' };
  switch (manifest.decoder.name) {
    case 'yolox':
      return new YoloxDecoder(config);
    case 'yunet':
      return new YunetDecoder(config);
    case 'softmax-topk':
      return new SoftmaxTopKDecoder(config);
    default:
      throw decodeErrors.EDGE_DECODE_UNKNOWN(`Expected decoder yolox, yunet or softmax-topk in model "${manifest.id}" but received ${String((manifest.decoder as { name: unknown }).name)}`, { id: manifest.id });
  }
}
