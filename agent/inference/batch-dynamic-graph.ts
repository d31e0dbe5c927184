/**
 * Gives an ONNX graph exported with a fixed batch of 1 a dynamic batch dimension, so frames from
 * several cameras can run through one session call. The rewrite is conservative: every operator
 * must be one known to keep the batch as its own leading axis, a Reshape whose target shape is a
 * constant starting with 1 gets 0 there ("copy the input's batch"), and anything else (a computed
 * shape, an op that touches axis 0, an op not on the list) refuses with the reason, so the caller
 * runs that model one frame at a time. The models/ area reads graphs with onnx-proto too
 * (graph-summary.ts); the quantizer's helpers sit on a higher floor and cannot be imported here.
 */
import onnxProto from 'onnx-proto';

const onnx = onnxProto.onnx;
type Long = number | { toNumber(): number } | null | undefined;
const num = (v: Long): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/** The name the dynamic batch dimension is given in the rewritten graph. */
export const BATCH_DIM_PARAM = 'batch';

/** Operators that act per sample whatever their attributes (element-wise, per-image windows). */
const perSample = new Set([
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'InstanceNormalization',
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Elu', 'Selu', 'Softplus', 'Clip', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Floor', 'Ceil', 'Round',
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Identity', 'Dropout', 'Cast', 'Erf',
]);

/** The result of trying to make a graph batch-dynamic. */
export type BatchDynamicResult = { ok: true; bytes: Uint8Array; rewrittenShapes: number } | { ok: false; reason: string };

/** Constant int64 tensors by name (initializers and Constant nodes), as plain numbers. */
function int64Constants(graph: onnxProto.onnx.IGraphProto): Map<string, { tensor: onnxProto.onnx.ITensorProto; values: number[] }> {
  const out = new Map<string, { tensor: onnxProto.onnx.ITensorProto; values: number[] }>();
  const add = (name: string, t: onnxProto.onnx.ITensorProto | null | undefined) => {
    if (!t || t.dataType !== onnx.TensorProto.DataType.INT64) return;
    const raw = t.rawData;
    const values = raw && raw.length > 0 ? Array.from(new BigInt64Array(new Uint8Array(raw).buffer), Number) : (t.int64Data ?? []).map((v) => num(v as Long));
    out.set(name, { tensor: t, values });
  };
  for (const i of graph.initializer ?? []) add(i.name ?? '', i);
  for (const n of graph.node ?? []) if (n.opType === 'Constant') add(n.output?.[0] ?? '', n.attribute?.find((a) => a.name === 't')?.t);
  return out;
}

function intsAttribute(node: onnxProto.onnx.INodeProto, name: string): number[] | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints && a.ints.length > 0 ? a.ints.map((v) => num(v as Long)) : [num(a.i as Long)];
}

function floatConstant(graph: onnxProto.onnx.IGraphProto, name: string): number[] | undefined {
  const t = (graph.initializer ?? []).find((i) => i.name === name) ?? (graph.node ?? []).find((n) => n.opType === 'Constant' && n.output?.[0] === name)?.attribute?.find((a) => a.name === 't')?.t;
  if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined;
  const raw = t.rawData;
  return raw && raw.length > 0 ? Array.from(new Float32Array(new Uint8Array(raw).buffer)) : [...(t.floatData ?? [])];
}

/** Why `node` would mix or drop the batch axis, or undefined when it keeps it. */
function refusal(node: onnxProto.onnx.INodeProto, graph: onnxProto.onnx.IGraphProto, constants: ReturnType<typeof int64Constants>): string | undefined {
  const op = node.opType ?? '';
  const where = `${op} node "${node.name ?? ''}"`;
  if (perSample.has(op) || op === 'Constant') return undefined;
  const axisOf = (fallback: number) => intsAttribute(node, 'axis')?.[0] ?? fallback;
  switch (op) {
    case 'Concat':
    case 'Softmax':
    case 'LogSoftmax':
    case 'Split':
    case 'Gather':
      return axisOf(op === 'Softmax' || op === 'LogSoftmax' ? -1 : 0) === 0 ? `${where} works along axis 0 (the batch)` : undefined;
    case 'Flatten':
      return axisOf(1) === 1 ? undefined : `${where} flattens with axis ${axisOf(1)}, mixing the batch into other axes`;
    case 'Transpose': {
      const perm = intsAttribute(node, 'perm');
      return perm !== undefined && perm[0] === 0 ? undefined : `${where} moves the batch axis (perm ${JSON.stringify(perm)})`;
    }
    case 'Slice': {
      const axes = node.input?.[3] ? constants.get(node.input[3])?.values : undefined;
      if (node.input?.[3] && axes === undefined) return `${where} slices along axes computed at run time`;
      return (axes ?? [0]).includes(0) ? `${where} slices along axis 0 (the batch)` : undefined;
    }
    case 'Resize':
    case 'Upsample': {
      if ((node.input?.length ?? 0) > 3 && node.input?.[3]) return `${where} resizes to fixed sizes, which include the batch`;
      const scalesName = op === 'Upsample' ? node.input?.[1] : node.input?.[2];
      const scales = scalesName ? floatConstant(graph, scalesName) : undefined;
      return scales !== undefined && scales[0] === 1 ? undefined : `${where} has no constant scales keeping the batch axis (scales ${JSON.stringify(scales)})`;
    }
    case 'Reshape': {
      const shape = constants.get(node.input?.[1] ?? '');
      if (shape === undefined) return `${where} reshapes to a shape computed at run time`;
      return shape.values[0] === 1 || shape.values[0] === 0 ? undefined : `${where} reshapes to ${JSON.stringify(shape.values)}, whose first axis is not the batch`;
    }
    default:
      return `${where} is not known to keep the batch axis`;
  }
}

/**
 * Rewrites the model in `bytes` for a dynamic batch: the one input's and every output's first
 * dimension become `batch`, constant Reshape targets starting with 1 start with 0 (counted once per shape tensor), and the value_info shape
 * annotations (all at batch 1) are dropped so ONNX Runtime infers them again.
 */
export function makeBatchDynamic(bytes: Uint8Array): BatchDynamicResult {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    return { ok: false, reason: `the model is not a readable ONNX protobuf (${(err as Error).message})` };
  }
  const graph = model.graph;
  if (!graph) return { ok: false, reason: 'the model has no graph' };
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name ?? ''));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) return { ok: false, reason: `expected one graph input, found ${inputs.length}` };
  for (const v of [...inputs, ...(graph.output ?? [])]) {
    const first = v.type?.tensorType?.shape?.dim?.[0];
    if (!first) return { ok: false, reason: `"${v.name ?? ''}" has no declared shape` };
    if (first.dimParam) continue; // already dynamic
    if (num(first.dimValue as Long) !== 1) return { ok: false, reason: `"${v.name ?? ''}" has first dimension ${num(first.dimValue as Long)}, expected a batch of 1` };
  }
  const constants = int64Constants(graph);
  for (const node of graph.node ?? []) {
    const why = refusal(node, graph, constants);
    if (why !== undefined) return { ok: false, reason: why };
  }
  // Shape tensors shared with anything but a Reshape's shape input would change meaning there too.
  const reshapeShapes = new Set((graph.node ?? []).filter((n) => n.opType === 'Reshape').map((n) => n.input?.[1] ?? ''));
  for (const node of graph.node ?? []) {
    node.input?.forEach((name, slot) => {
      if (reshapeShapes.has(name) && !(node.opType === 'Reshape' && slot === 1)) reshapeShapes.delete(name);
    });
  }
  let rewrittenShapes = 0;
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Reshape') continue;
    const name = node.input?.[1] ?? '';
    const shape = constants.get(name);
    if (!shape || shape.values[0] === 0) continue;
    if (!reshapeShapes.has(name)) return { ok: false, reason: `Reshape node "${node.name ?? ''}" shares its shape tensor "${name}" with another operator` };
    const values = [0, ...shape.values.slice(1)];
    // allowzero (opset 14) would make 0 a real size; the exports here predate it, check anyway.
    if ((intsAttribute(node, 'allowzero')?.[0] ?? 0) !== 0) return { ok: false, reason: `Reshape node "${node.name ?? ''}" sets allowzero, so 0 cannot mean "keep the batch"` };
    shape.tensor.rawData = new Uint8Array(BigInt64Array.from(values, BigInt).buffer);
    shape.tensor.int64Data = [];
    shape.values = values;
    rewrittenShapes++;
  }
  for (const v of [...inputs, ...(graph.output ?? [])]) {
    const first = v.type?.tensorType?.shape?.dim?.[0];
    if (first) {
      first.dimValue = null;
      first.dimParam = BATCH_DIM_PARAM;
    }
  }
  graph.valueInfo = [];
  return { ok: true, bytes: onnx.ModelProto.encode(model).finish(), rewrittenShapes };
}
