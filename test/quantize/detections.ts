/**
 * Minimal decoders for the two shared models (per their README.md), used only to compare float
 * and int8 outputs: the highest-scoring anchor, as a box in letterboxed model pixels.
 */
import * as ort from 'onnxruntime-node';
import { letterboxImage } from '../../agent/quantize/calibration-input.js';

/** The best anchor of one image. */
export interface TopBox {
  readonly score: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** Intersection over union of two boxes. */
export function iou(a: TopBox, b: TopBox): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/** person-yolox-192: output [1,756,6] = (dx, dy, log_w, log_h, obj, cls) on strides 8, 16, 32. */
export async function personTopBox(session: ort.InferenceSession, image: string): Promise<TopBox> {
  const { data } = await letterboxImage(image, { width: 192, height: 192, padValue: 114, channelOrder: 'bgr' });
  const out = (await session.run({ images: new ort.Tensor('float32', data, [1, 3, 192, 192]) })).output!.data as Float32Array;
  let best: TopBox = { score: -1, x1: 0, y1: 0, x2: 0, y2: 0 };
  let row = 0;
  for (const stride of [8, 16, 32]) {
    const g = 192 / stride;
    for (let i = 0; i < g * g; i++, row++) {
      const o = row * 6;
      const score = out[o + 4]! * out[o + 5]!;
      if (score <= best.score) continue;
      const cx = (out[o]! + (i % g)) * stride;
      const cy = (out[o + 1]! + Math.floor(i / g)) * stride;
      const w = Math.exp(out[o + 2]!) * stride;
      const h = Math.exp(out[o + 3]!) * stride;
      best = { score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
    }
  }
  return best;
}

/** face-yunet-2023mar: cls_s, obj_s, bbox_s per stride; score = sqrt(cls * obj). */
export async function faceTopBox(session: ort.InferenceSession, image: string): Promise<TopBox> {
  const { data } = await letterboxImage(image, { width: 640, height: 640, padValue: 0, channelOrder: 'bgr' });
  const out = await session.run({ input: new ort.Tensor('float32', data, [1, 3, 640, 640]) });
  let best: TopBox = { score: -1, x1: 0, y1: 0, x2: 0, y2: 0 };
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  for (const stride of [8, 16, 32]) {
    const g = 640 / stride;
    const cls = out[`cls_${stride}`]!.data as Float32Array;
    const obj = out[`obj_${stride}`]!.data as Float32Array;
    const bbox = out[`bbox_${stride}`]!.data as Float32Array;
    for (let i = 0; i < g * g; i++) {
      const score = Math.sqrt(clamp(cls[i]!) * clamp(obj[i]!));
      if (score <= best.score) continue;
      const cx = ((i % g) + bbox[i * 4]!) * stride;
      const cy = (Math.floor(i / g) + bbox[i * 4 + 1]!) * stride;
      const w = Math.exp(bbox[i * 4 + 2]!) * stride;
      const h = Math.exp(bbox[i * 4 + 3]!) * stride;
      best = { score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
    }
  }
  return best;
}
