/**
 * Builds, at test time, one model per output layout from the shared YOLOX person detector
 * (../shared/models/person-yolox-192, raw output [1, 756, 6]) by rewriting its graph with
 * onnx-proto: an input stage that turns what each exporter's users feed (RGB 0..1, or uint8 NHWC)
 * into the BGR 0..255 the original expects, then the decoding each exporter bakes in (boxes in
 * input pixels, 80 COCO class scores with person as class 0, NMS for end-to-end models), the
 * transposes, and the metadata each exporter writes. Files go to the test's own folder only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, encodeModel, graphOf, makeNode, makeTensor, onnx, DataType, type GraphProto, type ModelProto, type NodeProto } from '../../../agent/quantize/onnx-model.js';
import { sharedModel } from '../../helpers/shared.js';
import { cocoNames, pythonNames } from './coco.js';

const SIZE = 192;
const STRIDES = [8, 16, 32];
const ROWS = STRIDES.reduce((n, s) => n + (SIZE / s) ** 2, 0); // 756

/** A graph being rewritten, with helpers that add constants and nodes under fresh names. */
class Rewriter {
  readonly model: ModelProto;
  readonly graph: GraphProto;
  private n = 0;

  constructor() {
    this.model = decodeModel(readFileSync(sharedModel('person-yolox-192')), 'person-yolox-192');
    this.graph = graphOf(this.model);
  }

  private fresh(hint: string): string {
    return `rw_${hint}_${this.n++}`;
  }

  floats(values: number[] | Float32Array, dims: number[]): string {
    const name = this.fresh('f');
    this.graph.initializer.push(makeTensor(name, DataType.FLOAT, dims, Float32Array.from(values)));
    return name;
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh('i');
    this.graph.initializer.push(onnx.TensorProto.create({ name, dataType: DataType.INT64, dims, int64Data: values }));
    return name;
  }

  op(opType: string, inputs: string[], attributes: Record<string, number | number[]> = {}, domain = ''): string {
    const out = this.fresh(opType.toLowerCase());
    this.graph.node.push(makeNode(opType, inputs, [out], attributes, domain));
    return out;
  }

  /** Inserts nodes before every existing node (for the input stage). */
  prepend(nodes: NodeProto[]): void {
    this.graph.node.unshift(...nodes);
  }

  slice(x: string, start: number, end: number, axis: number): string {
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis])]);
  }

  /** Renames the original input `images` inside the graph to `internal`; returns the input's proto. */
  detachInput(internal: string): void {
    for (const node of this.graph.node) node.input = node.input.map((i) => (i === 'images' ? internal : i));
  }

  setInput(name: string, elemType: number, dims: (number | string)[]): void {
    this.graph.input = [onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } })];
  }

  setOutputs(outputs: { from: string; name: string; dims: (number | string)[] }[]): void {
    for (const o of outputs) this.graph.node.push(makeNode('Identity', [o.from], [o.name]));
    this.graph.output = outputs.map((o) => onnx.ValueInfoProto.create({ name: o.name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: o.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } }));
  }

  metadata(props: Record<string, string>): void {
    this.model.metadataProps = Object.entries(props).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }));
  }

  write(path: string): string {
    writeFileSync(path, encodeModel(this.model));
    return path;
  }
}

/** Ultralytics' input: float RGB 0..1 [1, 3, H, W] -> x255 -> BGR, what the YOLOX graph expects. */
function ultralyticsInput(r: Rewriter, dims: (number | string)[] = [1, 3, SIZE, SIZE]): void {
  r.detachInput('rw_images_bgr255');
  const c255 = r.floats([255], [1]);
  const order = r.ints([2, 1, 0]);
  r.prepend([makeNode('Mul', ['images', c255], ['rw_images_x255']), makeNode('Gather', ['rw_images_x255', order], ['rw_images_bgr255'], { axis: 1 })]);
  r.setInput('images', DataType.FLOAT, dims);
}

/** TF Object Detection API's input: uint8 RGB NHWC -> float NCHW BGR. */
function tfInput(r: Rewriter): void {
  r.detachInput('rw_images_bgr255');
  const order = r.ints([2, 1, 0]);
  r.prepend([
    makeNode('Cast', ['image_tensor'], ['rw_images_float'], { to: DataType.FLOAT }),
    makeNode('Transpose', ['rw_images_float'], ['rw_images_nchw'], { perm: [0, 3, 1, 2] }),
    makeNode('Gather', ['rw_images_nchw', order], ['rw_images_bgr255'], { axis: 1 }),
  ]);
  r.setInput('image_tensor', DataType.UINT8, [1, SIZE, SIZE, 3]);
}

/** The decoding YOLOX leaves to the caller, added to the graph: centres, sizes and scores in input pixels. */
function decodedYolox(r: Rewriter): { xy: string; wh: string; obj: string; cls: string; score: string } {
  const grid = new Float32Array(ROWS * 2);
  const stride = new Float32Array(ROWS);
  let row = 0;
  for (const s of STRIDES) {
    const g = SIZE / s;
    for (let y = 0; y < g; y++) for (let x = 0; x < g; x++, row++) {
      grid[2 * row] = x;
      grid[2 * row + 1] = y;
      stride[row] = s;
    }
  }
  const raw = 'output'; // the original graph's output, now an intermediate value
  const S = r.floats(stride, [1, ROWS, 1]);
  const xy = r.op('Mul', [r.op('Add', [r.slice(raw, 0, 2, 2), r.floats(grid, [1, ROWS, 2])]), S]);
  const wh = r.op('Mul', [r.op('Exp', [r.slice(raw, 2, 4, 2)]), S]);
  const obj = r.slice(raw, 4, 5, 2);
  const cls = r.slice(raw, 5, 6, 2);
  return { xy, wh, obj, cls, score: r.op('Mul', [obj, cls]) };
}

/** 80 class columns from one person score: person first, the other 79 at a third of it (never the best). */
function cocoScores(r: Rewriter, person: string): string {
  const others = r.op('Mul', [person, r.floats(new Float32Array(79).fill(0.3), [1, 1, 79])]);
  return r.op('Concat', [person, others], { axis: 2 });
}

/** Corner boxes (x1, y1, x2, y2) from centres and sizes. */
function corners(r: Rewriter, xy: string, wh: string): string {
  const half = r.op('Mul', [wh, r.floats([0.5], [1])]);
  return r.op('Concat', [r.op('Sub', [xy, half]), r.op('Add', [xy, half])], { axis: 2 });
}

/** Indices [K] of the rows NMS keeps (IoU 0.5, score 0.25, at most 100). */
function nmsRows(r: Rewriter, xy: string, wh: string, score: string): string {
  const boxes = r.op('Concat', [xy, wh], { axis: 2 });
  const scores = r.op('Transpose', [score], { perm: [0, 2, 1] });
  const selected = r.op('NonMaxSuppression', [boxes, scores, r.ints([100]), r.floats([0.5], [1]), r.floats([0.25], [1])], { center_point_box: 1 });
  const col = r.op('Slice', [selected, r.ints([2]), r.ints([3]), r.ints([1])]);
  return r.op('Reshape', [col, r.ints([-1])]);
}

/** Pads [1, K, C] with zero rows to [1, n, C] (exporters emit a fixed row count). */
function padRows(r: Rewriter, x: string, n: number, channels: number): string {
  const padded = r.op('Concat', [x, r.floats(new Float32Array(n * channels), [1, n, channels])], { axis: 1 });
  return r.slice(padded, 0, n, 1);
}

const ultralyticsMeta = (task: string, extra: Record<string, string> = {}): Record<string, string> => ({
  description: `Ultralytics YOLO ${task} model rewritten from person-yolox-192 (test fixture)`,
  author: 'Ultralytics',
  date: '2025-01-01T00:00:00',
  version: '8.3.0',
  license: 'AGPL-3.0 License (https://ultralytics.com/license)',
  docs: 'https://docs.ultralytics.com',
  stride: '32',
  task,
  batch: '1',
  imgsz: `[${SIZE}, ${SIZE}]`,
  names: pythonNames(cocoNames),
  ...extra,
});

/** The models the tests import, by layout. */
export const builders = {
  /** YOLOv8/YOLO11 as Ultralytics exports it: [1, 84, 756], full metadata. */
  ultralytics: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const rows = r.op('Concat', [d.xy, d.wh, cocoScores(r, d.score)], { axis: 2 });
    r.setOutputs([{ from: r.op('Transpose', [rows], { perm: [0, 2, 1] }), name: 'output0', dims: [1, 84, ROWS] }]);
    r.metadata(ultralyticsMeta('detect'));
    return r.write(join(dir, 'yolov8-person.onnx'));
  },
  /** The same transposed to [1, 756, 84], as re-exports do, with no metadata at all. */
  transposed: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    r.setOutputs([{ from: r.op('Concat', [d.xy, d.wh, cocoScores(r, d.score)], { axis: 2 }), name: 'output0', dims: [1, ROWS, 84] }]);
    return r.write(join(dir, 'yolov8-transposed.onnx'));
  },
  /** YOLOv5/v7: [1, 3 x 756, 85] with objectness; YOLOv5's exporter writes only stride and names. */
  yolov5: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const rows = r.op('Concat', [d.xy, d.wh, d.obj, cocoScores(r, d.cls)], { axis: 2 });
    // Three anchors per grid cell: the other two never fire here.
    const all = r.op('Concat', [rows, r.floats(new Float32Array(2 * ROWS * 85), [1, 2 * ROWS, 85])], { axis: 1 });
    r.setOutputs([{ from: all, name: 'output0', dims: [1, 3 * ROWS, 85] }]);
    r.metadata({ stride: '32', names: pythonNames(cocoNames) });
    return r.write(join(dir, 'yolov5-person.onnx'));
  },
  /** End-to-end (YOLOv10 style): NMS inside, [1, 300, 6] of x1, y1, x2, y2, score, class in pixels. */
  endToEnd: (dir: string, normalized = false): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const zeroClass = r.op('Mul', [d.score, r.floats([0], [1])]);
    let rows = r.op('Concat', [corners(r, d.xy, d.wh), d.score, zeroClass], { axis: 2 });
    if (normalized) rows = r.op('Div', [rows, r.floats([SIZE, SIZE, SIZE, SIZE, 1, 1], [1, 1, 6])]);
    const kept = r.op('Gather', [rows, nmsRows(r, d.xy, d.wh, d.score)], { axis: 1 });
    r.setOutputs([{ from: padRows(r, kept, 300, 6), name: 'output0', dims: [1, 300, 6] }]);
    if (!normalized) r.metadata(ultralyticsMeta('detect', { description: 'Ultralytics YOLOv10n end-to-end model rewritten from person-yolox-192 (test fixture)' }));
    return r.write(join(dir, normalized ? 'e2e-normalized.onnx' : 'yolov10-person.onnx'));
  },
  /** TF Object Detection API converted to ONNX: uint8 NHWC in; boxes, scores, classes (1-based) and a count out. */
  ssd: (dir: string): string => {
    const r = new Rewriter();
    tfInput(r);
    const d = decodedYolox(r);
    const idx = nmsRows(r, d.xy, d.wh, d.score);
    const c = corners(r, d.xy, d.wh); // x1 y1 x2 y2 in pixels
    const yx = r.op('Concat', [r.slice(c, 1, 2, 2), r.slice(c, 0, 1, 2), r.slice(c, 3, 4, 2), r.slice(c, 2, 3, 2)], { axis: 2 });
    const boxes = padRows(r, r.op('Gather', [r.op('Div', [yx, r.floats([SIZE], [1])]), idx], { axis: 1 }), 100, 4);
    const scores = r.op('Reshape', [padRows(r, r.op('Gather', [d.score, idx], { axis: 1 }), 100, 1), r.ints([1, 100])]);
    const count = r.op('Cast', [r.op('Shape', [idx])], { to: DataType.FLOAT });
    r.setOutputs([
      { from: boxes, name: 'detection_boxes', dims: [1, 100, 4] },
      { from: r.floats(new Float32Array(100).fill(1), [1, 100]), name: 'detection_classes', dims: [1, 100] },
      { from: scores, name: 'detection_scores', dims: [1, 100] },
      { from: count, name: 'num_detections', dims: [1] },
    ]);
    return r.write(join(dir, 'ssd-person.onnx'));
  },
  /** Ultralytics pose: [1, 56, 756] = box, score, 17 keypoints (x, y, visibility) spread down the box's centre line. */
  pose: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const f = r.floats(Array.from({ length: 17 }, (_, k) => k / 16), [1, 1, 17]);
    const zeros = r.op('Mul', [f, r.floats([0], [1])]);
    const cx = r.slice(d.xy, 0, 1, 2);
    const top = r.op('Sub', [r.slice(d.xy, 1, 2, 2), r.op('Mul', [r.slice(d.wh, 1, 2, 2), r.floats([0.5], [1])])]);
    const kx = r.op('Add', [cx, zeros]);
    const ky = r.op('Add', [top, r.op('Mul', [r.slice(d.wh, 1, 2, 2), f])]);
    const kv = r.op('Add', [d.score, zeros]);
    const unsq = (x: string) => r.op('Unsqueeze', [x], { axes: [3] });
    const kps = r.op('Reshape', [r.op('Concat', [unsq(kx), unsq(ky), unsq(kv)], { axis: 3 }), r.ints([1, ROWS, 51])]);
    const rows = r.op('Concat', [d.xy, d.wh, d.score, kps], { axis: 2 });
    r.setOutputs([{ from: r.op('Transpose', [rows], { perm: [0, 2, 1] }), name: 'output0', dims: [1, 56, ROWS] }]);
    r.metadata(ultralyticsMeta('pose', { names: "{0: 'person'}", kpt_shape: '[17, 3]' }));
    return r.write(join(dir, 'yolov8-pose.onnx'));
  },
  /** A two-class classifier [1, 2] (person, background) from the best person score; `probabilities` ends in Softmax. */
  classifier: (dir: string, probabilities: boolean): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const p = r.op('Clip', [r.op('ReduceMax', [d.score], { axes: [1, 2], keepdims: 0 }), r.floats([1e-6], []), r.floats([1 - 1e-6], [])]);
    const logit = r.op('Log', [r.op('Div', [p, r.op('Sub', [r.floats([1], [1]), p])])]);
    const logits = r.op('Reshape', [r.op('Concat', [logit, r.op('Neg', [logit])], { axis: 0 }), r.ints([1, 2])]);
    r.setOutputs([{ from: probabilities ? r.op('Softmax', [logits], { axis: 1 }) : logits, name: 'output0', dims: [1, 2] }]);
    return r.write(join(dir, probabilities ? 'classifier-probs.onnx' : 'classifier-logits.onnx'));
  },
  /** The Ultralytics detector with a dynamic input and no imgsz metadata. */
  dynamic: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r, [1, 3, 'height', 'width']);
    const d = decodedYolox(r);
    const rows = r.op('Concat', [d.xy, d.wh, cocoScores(r, d.score)], { axis: 2 });
    r.setOutputs([{ from: r.op('Transpose', [rows], { perm: [0, 2, 1] }), name: 'output0', dims: [1, 84, 'anchors'] }]);
    const { imgsz: _omitted, ...meta } = ultralyticsMeta('detect');
    r.metadata(meta);
    return r.write(join(dir, 'yolov8-dynamic.onnx'));
  },
  /** An output no family has: [1, 84, 700] (anchors dropped). */
  unknownLayout: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const rows = r.op('Concat', [d.xy, d.wh, cocoScores(r, d.score)], { axis: 2 });
    r.setOutputs([{ from: r.slice(r.op('Transpose', [rows], { perm: [0, 2, 1] }), 0, 700, 2), name: 'output0', dims: [1, 84, 700] }]);
    r.metadata(ultralyticsMeta('detect'));
    return r.write(join(dir, 'unknown-layout.onnx'));
  },
  /** A TensorRT-flavoured export: the end-to-end model whose NMS is TensorRT's plugin, which ONNX Runtime does not have. */
  tensorrtPlugin: (dir: string): string => {
    const r = new Rewriter();
    ultralyticsInput(r);
    const d = decodedYolox(r);
    const rows = r.op('Concat', [corners(r, d.xy, d.wh), d.score, r.op('Mul', [d.score, r.floats([0], [1])])], { axis: 2 });
    const nms = r.op('EfficientNMS_TRT', [rows], {}, 'TRT');
    r.model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: 'TRT', version: 1 }));
    r.setOutputs([{ from: nms, name: 'output0', dims: [1, 300, 6] }]);
    r.metadata(ultralyticsMeta('detect'));
    return r.write(join(dir, 'yolov8-trt.onnx'));
  },
};
