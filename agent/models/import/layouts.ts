/**
 * The output layouts `models import` recognises, each tied to one decoder and its parameters.
 * Recognition reads only shapes, names, the producing operator and the exporter's metadata; when
 * more than one layout fits, the labels or the metadata decide, and when they cannot, the import
 * stops and asks for --layout rather than guess (a wrong guess decodes into junk boxes).
 */
import type { DecoderSpec, ModelTask, OutputSpec } from '../manifest.js';
import type { ExporterMetadata } from './exporter-metadata.js';
import { formatDims, type Dim, type GraphSummary, type TensorSummary } from './graph-summary.js';

/** The values of --layout. */
export const layoutNames = [
  'ultralytics',
  'ultralytics-transposed',
  'yolov5',
  'end-to-end',
  'end-to-end-normalized',
  'ultralytics-pose',
  'ssd',
  'classify-logits',
  'classify-probabilities',
  'yolox',
  'yunet',
] as const;

/** One --layout value. */
export type LayoutName = (typeof layoutNames)[number];

/** The preprocessing families (the --preprocess values). */
export type PreprocessName = 'ultralytics' | 'yolox' | 'yunet' | 'imagenet' | 'unit' | 'raw-rgb';

/** A layout that fits the graph: its decoder, the class count the shapes imply, and why it fits. */
export interface LayoutMatch {
  layout: LayoutName;
  task: ModelTask;
  /** Decoder name and layout parameters (thresholds are added by the plan). */
  decoder: Pick<DecoderSpec, 'name'> & Partial<DecoderSpec>;
  /** Classes the output shape implies; undefined when the shape does not say (end-to-end, ssd). */
  classes: number | undefined;
  /** The outputs the decoder reads, first the one single-output decoders use. */
  outputs: TensorSummary[];
  /** The preprocessing this family's exporter expects, when the family says. */
  preprocess: PreprocessName | undefined;
  /** What in the graph made it fit, e.g. "output0 [1, 84, 8400]: 4 + 80 channels x 8400 anchors". */
  because: string;
}

/** What recognition knows besides the graph. */
export interface LayoutContext {
  graph: GraphSummary;
  meta: ExporterMetadata;
  /** Input height and width (after --imgsz or metadata). */
  inputSize: [number, number];
  /** Anchor strides, smallest first. */
  strides: number[];
}

const fixed = (d: Dim | undefined): d is number => typeof d === 'number';

/** Anchor points of one grid per stride (YOLOX, Ultralytics anchor-free: 8400 at 640). */
export function gridAnchors(size: readonly [number, number], strides: readonly number[]): number {
  return strides.reduce((n, s) => n + Math.ceil(size[0] / s) * Math.ceil(size[1] / s), 0);
}

type Matcher = (c: LayoutContext) => Omit<LayoutMatch, 'layout'> | string;

function singleRank3(c: LayoutContext): { out: TensorSummary; a: Dim; b: Dim } | string {
  if (c.graph.outputs.length !== 1) return `expects one output, the model has ${c.graph.outputs.length}`;
  const out = c.graph.outputs[0] as TensorSummary;
  if (out.dims.length !== 3) return `expects a rank-3 output, ${out.name} is ${formatDims(out.dims)}`;
  return { out, a: out.dims[1] as Dim, b: out.dims[2] as Dim };
}

const ultralyticsPreprocess: PreprocessName = 'ultralytics';

const matchers: Record<LayoutName, Matcher> = {
  ultralytics: (c) => {
    const s = singleRank3(c);
    if (typeof s === 'string') return s;
    const g = gridAnchors(c.inputSize, c.strides);
    // A dynamic anchor count (exported with dynamic=True) is fine here: channels first is unambiguous.
    if (!fixed(s.a) || s.a <= 4 || (fixed(s.b) && s.b !== g)) return `expects [1, 4 + classes, ${g}], saw ${formatDims(s.out.dims)}`;
    if (c.meta.task === 'pose') return 'metadata says task pose';
    return { task: 'detection', decoder: { name: 'yolo-anchor-free' }, classes: s.a - 4, outputs: [s.out], preprocess: ultralyticsPreprocess, because: `${s.out.name} ${formatDims(s.out.dims)}: 4 + ${s.a - 4} channels x ${fixed(s.b) ? `${g} anchors (strides ${c.strides.join('/')} at ${c.inputSize.join('x')})` : 'a dynamic anchor count'}` };
  },
  'ultralytics-transposed': (c) => {
    const s = singleRank3(c);
    if (typeof s === 'string') return s;
    const g = gridAnchors(c.inputSize, c.strides);
    if (!fixed(s.b) || s.b <= 4 || s.a !== g) return `expects [1, ${g}, 4 + classes], saw ${formatDims(s.out.dims)}`;
    if (c.meta.task === 'pose') return 'metadata says task pose';
    return { task: 'detection', decoder: { name: 'yolo-anchor-free', transposed: true }, classes: s.b - 4, outputs: [s.out], preprocess: ultralyticsPreprocess, because: `${s.out.name} ${formatDims(s.out.dims)}: ${g} anchors x 4 + ${s.b - 4} channels` };
  },
  yolov5: (c) => {
    const s = singleRank3(c);
    if (typeof s === 'string') return s;
    const g = 3 * gridAnchors(c.inputSize, c.strides);
    if (!fixed(s.b) || s.b <= 5 || s.a !== g) return `expects [1, ${g}, 5 + classes] (3 anchors per grid cell), saw ${formatDims(s.out.dims)}`;
    return { task: 'detection', decoder: { name: 'yolov5' }, classes: s.b - 5, outputs: [s.out], preprocess: ultralyticsPreprocess, because: `${s.out.name} ${formatDims(s.out.dims)}: ${g} anchors (3 per grid cell) x 4 + objectness + ${s.b - 5} classes` };
  },
  'end-to-end': (c) => endToEnd(c, false),
  'end-to-end-normalized': (c) => endToEnd(c, true),
  'ultralytics-pose': (c) => {
    const s = singleRank3(c);
    if (typeof s === 'string') return s;
    const g = gridAnchors(c.inputSize, c.strides);
    const k = c.meta.kptShape?.[0] ?? 17;
    const channelsFirst = s.b === g || !fixed(s.b);
    const channels = channelsFirst ? s.a : s.b;
    if ((s.b !== g && s.a !== g && !(fixed(s.a) && !fixed(s.b))) || channels !== 5 + 3 * k) return `expects [1, ${5 + 3 * k}, ${g}] (box, score, ${k} keypoints x 3), saw ${formatDims(s.out.dims)}`;
    if (c.meta.task !== undefined && c.meta.task !== 'pose') return `metadata says task ${c.meta.task}`;
    return { task: 'detection', decoder: { name: 'ultralytics-pose', keypoints: k, ...(channelsFirst ? {} : { transposed: true }) }, classes: 1, outputs: [s.out], preprocess: ultralyticsPreprocess, because: `${s.out.name} ${formatDims(s.out.dims)}: 4 + 1 + ${k} keypoints x 3 channels${c.meta.kptShape ? ' (kpt_shape in metadata)' : ''}` };
  },
  ssd: (c) => {
    const by = (re: RegExp) => c.graph.outputs.find((o) => re.test(o.name));
    const boxes = by(/box/i);
    const scores = by(/score/i);
    const classes = by(/class/i);
    const count = by(/num|count/i);
    if (!boxes || !scores || !classes) return `expects outputs named *box*, *score* and *class*, saw ${c.graph.outputs.map((o) => o.name).join(', ')}`;
    if (boxes.dims.length !== 3 || boxes.dims[2] !== 4) return `expects ${boxes.name} as [1, N, 4], saw ${formatDims(boxes.dims)}`;
    const outputs = [boxes, scores, classes, ...(count ? [count] : [])];
    const ssdOutputs = { boxes: boxes.name, scores: scores.name, classes: classes.name, ...(count ? { count: count.name } : {}) };
    return { task: 'detection', decoder: { name: 'ssd', ssdOutputs, classOffset: 1 }, classes: undefined, outputs, preprocess: undefined, because: `outputs ${outputs.map((o) => `${o.name} ${formatDims(o.dims)}`).join(', ')}` };
  },
  'classify-logits': (c) => classify(c, false),
  'classify-probabilities': (c) => classify(c, true),
  yolox: (c) => {
    const s = singleRank3(c);
    if (typeof s === 'string') return s;
    const g = gridAnchors(c.inputSize, c.strides);
    if (!fixed(s.b) || s.b <= 5 || s.a !== g) return `expects [1, ${g}, 5 + classes], saw ${formatDims(s.out.dims)}`;
    if (c.meta.ultralytics) return 'the metadata is Ultralytics, not YOLOX';
    return { task: 'detection', decoder: { name: 'yolox', strides: c.strides }, classes: s.b - 5, outputs: [s.out], preprocess: 'yolox', because: `${s.out.name} ${formatDims(s.out.dims)}: ${g} grid anchors x (dx, dy, log w, log h, objectness + ${s.b - 5} classes)` };
  },
  yunet: (c) => {
    const names = c.strides.flatMap((s) => [`cls_${s}`, `obj_${s}`, `bbox_${s}`, `kps_${s}`]);
    const missing = names.filter((n) => !c.graph.outputs.some((o) => o.name === n));
    if (missing.length > 0) return `expects outputs ${names.join(', ')}`;
    return { task: 'detection', decoder: { name: 'yunet', strides: c.strides }, classes: 1, outputs: c.graph.outputs, preprocess: 'yunet', because: `outputs cls/obj/bbox/kps for strides ${c.strides.join('/')}` };
  },
};

function endToEnd(c: LayoutContext, normalized: boolean): Omit<LayoutMatch, 'layout'> | string {
  const s = singleRank3(c);
  if (typeof s === 'string') return s;
  if (s.b !== 6) return `expects [1, N, 6] (x1, y1, x2, y2, score, class), saw ${formatDims(s.out.dims)}`;
  const g = gridAnchors(c.inputSize, c.strides);
  if (s.a === g || s.a === 3 * g) return `${s.a} rows is a grid of raw anchors, not boxes after NMS`;
  const units = normalized ? 'boxes in 0..1 of the input' : 'boxes in input pixels (use --layout end-to-end-normalized for 0..1)';
  return { task: 'detection', decoder: { name: 'end-to-end', ...(normalized ? { normalized: true } : {}) }, classes: undefined, outputs: [s.out], preprocess: ultralyticsPreprocess, because: `${s.out.name} ${formatDims(s.out.dims)}: rows of x1, y1, x2, y2, score, class after NMS, ${units}` };
}

function classify(c: LayoutContext, probabilities: boolean): Omit<LayoutMatch, 'layout'> | string {
  if (c.graph.outputs.length !== 1) return `expects one output, the model has ${c.graph.outputs.length}`;
  const out = c.graph.outputs[0] as TensorSummary;
  const dims = out.dims;
  const rank2 = dims.length === 2;
  const rank4 = dims.length === 4 && dims[2] === 1 && dims[3] === 1;
  if ((!rank2 && !rank4) || !fixed(dims[1]) || dims[1] < 2) return `expects [1, classes], saw ${formatDims(dims)}`;
  const softmaxLast = c.graph.producedBy[out.name] === 'Softmax';
  const metaSaysProbs = c.meta.ultralytics && c.meta.task === 'classify';
  const isProbs = softmaxLast || metaSaysProbs;
  if (isProbs !== probabilities) return probabilities ? `${out.name} is not produced by Softmax` : `${out.name} is produced by Softmax (probabilities)`;
  const why = softmaxLast ? 'its last operator is Softmax, so probabilities' : metaSaysProbs ? 'Ultralytics classify exports end in Softmax, so probabilities' : 'no Softmax at the end, so logits (softmax applied)';
  return { task: 'classification', decoder: { name: 'softmax-topk', softmax: !probabilities }, classes: dims[1], outputs: [out], preprocess: c.meta.ultralytics ? 'unit' : undefined, because: `${out.name} ${formatDims(dims)}: ${dims[1]} classes; ${why}` };
}

/** Which layouts a --task admits. */
const byTask: Record<'detect' | 'classify' | 'pose', readonly LayoutName[]> = {
  detect: ['ultralytics', 'ultralytics-transposed', 'yolov5', 'end-to-end', 'end-to-end-normalized', 'ssd', 'yolox', 'yunet'],
  classify: ['classify-logits', 'classify-probabilities'],
  pose: ['ultralytics-pose'],
};

/**
 * Layouts tried when nothing names one. end-to-end-normalized has end-to-end's shape, and a raw
 * YOLOX output [1, N, 5 + c] has the shape of a transposed Ultralytics one with one class more
 * (the issue's "79 labels decoded into junk"): both only by --layout.
 */
const guessable: readonly LayoutName[] = layoutNames.filter((n) => n !== 'end-to-end-normalized' && n !== 'yolox');

/** Every layout that fits, or the reason each did not. */
export function matchLayouts(c: LayoutContext, only: { layout?: LayoutName | undefined; task?: 'detect' | 'classify' | 'pose' | undefined }): { matches: LayoutMatch[]; misses: string[] } {
  let names: readonly LayoutName[] = only.layout !== undefined ? [only.layout] : guessable;
  if (only.task !== undefined) names = names.filter((n) => byTask[only.task as keyof typeof byTask].includes(n));
  const matches: LayoutMatch[] = [];
  const misses: string[] = [];
  for (const layout of names) {
    const r = matchers[layout](c);
    if (typeof r === 'string') misses.push(`${layout}: ${r}`);
    else matches.push({ layout, ...r });
  }
  return { matches, misses };
}

/** The manifest's outputs section for a match. */
export function outputSpecs(m: LayoutMatch): OutputSpec[] {
  return m.outputs.map((o) => ({ name: o.name, shape: o.dims.map((d) => (typeof d === 'number' ? d : -1)) }));
}
