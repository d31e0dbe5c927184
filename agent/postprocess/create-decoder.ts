/** Picks the decoder a manifest names. */
import type { DecoderName, ModelManifest } from '../models/manifest.js';
import type { Decoder, DecoderConfig } from './decoder.js';
import { EndToEndDecoder } from './end-to-end-decoder.js';
import { decodeErrors } from './errors.js';
import { SoftmaxTopKDecoder } from './softmax-topk-decoder.js';
import { SsdDecoder } from './ssd-decoder.js';
import { UltralyticsPoseDecoder } from './ultralytics-pose-decoder.js';
import { YoloAnchorFreeDecoder } from './yolo-anchor-free-decoder.js';
import { Yolov5Decoder } from './yolov5-decoder.js';
import { YoloxDecoder } from './yolox-decoder.js';
import { YunetDecoder } from './yunet-decoder.js';

/** Every decoder by the name manifests use. */
const decoders: Record<DecoderName, (config: DecoderConfig) => Decoder> = {
  yolox: (c) => new YoloxDecoder(c),
  yunet: (c) => new YunetDecoder(c),
  'softmax-topk': (c) => new SoftmaxTopKDecoder(c),
  'yolo-anchor-free': (c) => new YoloAnchorFreeDecoder(c),
  yolov5: (c) => new Yolov5Decoder(c),
  'end-to-end': (c) => new EndToEndDecoder(c),
  ssd: (c) => new SsdDecoder(c),
  'ultralytics-pose': (c) => new UltralyticsPoseDecoder(c),
};

/** The names of every decoder, for messages. */
export const decoderNames = Object.keys(decoders) as DecoderName[];

/** The decoder for `manifest.decoder.name`, configured from the manifest. */
export function createDecoder(manifest: ModelManifest): Decoder {
  const config = { spec: manifest.decoder, labels: manifest.labels, outputName: manifest.outputs[0]?.name ?? 'output' };
  const make = Object.hasOwn(decoders, manifest.decoder.name) ? decoders[manifest.decoder.name] : undefined;
  if (make === undefined) {
    throw decodeErrors.EDGE_DECODE_UNKNOWN(`Expected decoder ${decoderNames.join(', ')} in model "${manifest.id}" but received ${String((manifest.decoder as { name: unknown }).name)}`, { id: manifest.id });
  }
  return make(config);
}
