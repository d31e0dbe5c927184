/**
 * How closely a quantized variant reproduces its float model, judged on the agent's own output:
 * both models run through a ModelRunner (same preprocessing, decoder and NMS as in production),
 * and their result records are compared image by image.
 */
import { AgentError } from '../errors/agent-error.js';
import type { Frame } from '../capture/frame.js';
import type { ModelRunner } from '../pipeline/model-runner.js';
import type { Box, Detection, ResultRecord } from '../results/result-record.js';

/** IoU at or above which two boxes of the same label count as the same detection. */
export const MATCH_IOU = 0.8;

/** One image of an evaluation set, already encoded (JPEG or PNG bytes). */
export interface EvalImage {
  readonly name: string;
  readonly data: Buffer;
}

/** The comparison on one image. */
export interface ImageAgreement {
  readonly name: string;
  /** Detections of the float model (or 1 for a classification). */
  readonly floatCount: number;
  readonly variantCount: number;
  /** Detections paired across the two models (IoU >= 0.8, same label); for classification 1 when the top-1 labels agree. */
  readonly matched: number;
}

/** The comparison over a whole set. */
export interface AgreementReport {
  readonly task: 'detection' | 'classification';
  readonly images: number;
  /**
   * Detection: matched boxes over all boxes, 2 x matched / (float boxes + variant boxes), so a
   * missed box and an extra box both count; 1 when neither model found anything.
   * Classification: share of images whose top-1 label agrees.
   */
  readonly agreement: number;
  readonly floatBoxes: number;
  readonly variantBoxes: number;
  readonly matchedBoxes: number;
  /** Mean of (variant - float) score over matched pairs; negative when the variant is less confident. */
  readonly meanScoreDiff: number;
  /** Mean of |variant - float| score over matched pairs. */
  readonly meanAbsScoreDiff: number;
  readonly perImage: readonly ImageAgreement[];
  /** Images the float model could not read (undecodable), left out of the numbers. */
  readonly skipped: readonly string[];
}

/** Intersection over union of two boxes in the same pixel space. */
export function boxIou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Greedy one-to-one pairing, best IoU first; returns the score differences (variant - float) of the pairs. */
export function matchDetections(float: readonly Detection[], variant: readonly Detection[], minIou = MATCH_IOU): number[] {
  const pairs: { i: number; j: number; iou: number }[] = [];
  for (const [i, f] of float.entries()) {
    for (const [j, v] of variant.entries()) {
      if (f.label !== v.label) continue;
      const iou = boxIou(f.box, v.box);
      if (iou >= minIou) pairs.push({ i, j, iou });
    }
  }
  pairs.sort((a, b) => b.iou - a.iou);
  const usedF = new Set<number>();
  const usedV = new Set<number>();
  const diffs: number[] = [];
  for (const p of pairs) {
    if (usedF.has(p.i) || usedV.has(p.j)) continue;
    usedF.add(p.i);
    usedV.add(p.j);
    diffs.push(variant[p.j]!.score - float[p.i]!.score);
  }
  return diffs;
}

/** Runs both models on every image and compares what they report. */
export async function compareVariant(float: ModelRunner, variant: ModelRunner, images: readonly EvalImage[]): Promise<AgreementReport> {
  const reference = await referenceRecords(float, images);
  return compareWithReference(float.manifest.task, reference, variant);
}

/** The float model's records on a set of images, kept to compare several variants with. */
export interface ReferenceRecords {
  readonly images: readonly EvalImage[];
  /** One per image the float model could read, in order. */
  readonly records: readonly ResultRecord[];
  /** Images the float model could not read (undecodable), left out of every comparison. */
  readonly skipped: readonly string[];
}

/** Runs the float model once over `images`; an image it cannot decode is skipped, not fatal. */
export async function referenceRecords(float: ModelRunner, images: readonly EvalImage[]): Promise<ReferenceRecords> {
  const kept: EvalImage[] = [];
  const records: ResultRecord[] = [];
  const skipped: string[] = [];
  for (const [seq, image] of images.entries()) {
    try {
      records.push(await float.infer(frameOf(image, seq)));
      kept.push(image);
    } catch (err) {
      if (err instanceof AgentError && err.kind === 'input') {
        skipped.push(image.name);
        continue;
      }
      throw err;
    }
  }
  return { images: kept, records, skipped };
}

/** Runs `variant` over the reference images and compares its records with the float ones. */
export async function compareWithReference(task: AgreementReport['task'], reference: ReferenceRecords, variant: ModelRunner): Promise<AgreementReport> {
  const perImage: ImageAgreement[] = [];
  const diffs: number[] = [];
  for (const [seq, image] of reference.images.entries()) {
    const v = await variant.infer(frameOf(image, seq));
    perImage.push(compareRecords(image.name, reference.records[seq]!, v, diffs));
  }
  const floatBoxes = sum(perImage.map((p) => p.floatCount));
  const variantBoxes = sum(perImage.map((p) => p.variantCount));
  const matchedBoxes = sum(perImage.map((p) => p.matched));
  const agreement =
    task === 'classification' ? matchedBoxes / Math.max(1, perImage.length) : floatBoxes + variantBoxes === 0 ? 1 : (2 * matchedBoxes) / (floatBoxes + variantBoxes);
  return {
    task,
    images: perImage.length,
    agreement,
    floatBoxes,
    variantBoxes,
    matchedBoxes,
    meanScoreDiff: diffs.length === 0 ? 0 : sum(diffs) / diffs.length,
    meanAbsScoreDiff: diffs.length === 0 ? 0 : sum(diffs.map(Math.abs)) / diffs.length,
    perImage,
    skipped: reference.skipped,
  };
}

function frameOf(image: EvalImage, seq: number): Frame {
  return { source: image.name, seq, capturedAt: new Date(), image: { kind: 'encoded', data: image.data } };
}

function compareRecords(name: string, f: ResultRecord, v: ResultRecord, diffs: number[]): ImageAgreement {
  if ('classes' in f && 'classes' in v) {
    const a = f.classes[0];
    const b = v.classes[0];
    const same = a !== undefined && b !== undefined && a.label === b.label;
    if (same) diffs.push(b.score - a.score);
    return { name, floatCount: 1, variantCount: 1, matched: same ? 1 : 0 };
  }
  const fd = 'detections' in f ? f.detections : [];
  const vd = 'detections' in v ? v.detections : [];
  const pairDiffs = matchDetections(fd, vd);
  diffs.push(...pairDiffs);
  return { name, floatCount: fd.length, variantCount: vd.length, matched: pairDiffs.length };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
