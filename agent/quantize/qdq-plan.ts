/**
 * Decides what to quantize before anything is rewritten: which inputs of which nodes become
 * int8, which weights are quantized on which channel axis, which ReLUs fold into their Conv,
 * and which tensors must share a scale so ONNX Runtime can drop the DQ/Q around them.
 */
import { arithmeticOps, passthroughOps, weightedOps } from './op-support.js';
import { DataType, dimsOf, intAttribute, type GraphProto, type NodeProto, type TensorProto } from './onnx-model.js';
import { inferElementTypes } from './tensor-types.js';

/** How one weighted node (Conv, Gemm, MatMul) has its weight and bias quantized. */
export interface WeightedNodePlan {
  readonly nodeIndex: number;
  readonly weight: string;
  /** Axis of the weight tensor that indexes output channels. */
  readonly channelAxis: number;
  readonly bias: string | undefined;
}

/** The full quantization plan for a graph. */
export interface QdqPlan {
  /** Float activations that get a QuantizeLinear/DequantizeLinear pair after their producer. */
  readonly activations: ReadonlySet<string>;
  /** Indices of nodes whose weight and bias are quantized. */
  readonly weighted: ReadonlyMap<number, WeightedNodePlan>;
  /** Relu node index mapped to the Conv node index it folds into. */
  readonly foldedRelus: ReadonlyMap<number, number>;
  /** Tensor mapped to the tensor whose scale and zero point it must reuse. */
  readonly sharedParams: ReadonlyMap<string, string>;
  /**
   * Bounds on the range of tensors read only by saturating functions (Sigmoid, and SiLU written
   * as x * Sigmoid(x)): values past the bound change the function's output by less than 0.1 %
   * of its step, so the calibrated range is clipped to them and the int8 steps go where values
   * still matter.
   */
  readonly saturationBounds: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
  /** Count of quantized nodes per op type, for the report. */
  readonly quantizedNodes: Readonly<Record<string, number>>;
}

/**
 * Builds the plan; `graph` is not modified. Nodes whose first output is in `keepFloat` are left
 * float, a weighted node with its activation function (see activationBlocks); their readers and
 * writers still exchange dequantized tensors, and a tensor only float nodes read stays float.
 */
export function planQdq(graph: GraphProto, keepFloat: ReadonlySet<string> = new Set(), options: { readonly floatStem?: boolean } = {}): QdqPlan {
  const nodes = graph.node ?? [];
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) if (t.name) initializers.set(t.name, t);
  const types = inferElementTypes(graph);
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const isFloatActivation = (name: string | undefined): name is string =>
    !!name && !initializers.has(name) && types.get(name) === DataType.FLOAT;

  const tail = outputTail(nodes, graphOutputs);
  const blocks = activationBlocks(nodes);
  // A weighted node kept float (the stem, or one named in keepFloat) keeps its activation function
  // float with it: quantizing only the Sigmoid and Mul of a float Conv's SiLU rounds three times
  // where the int8 block would round once (on person-yolox that alone halved scene agreement).
  const floatNodes = new Set<number>();
  const keepBlock = (index: number): void => {
    floatNodes.add(index);
    for (const member of blocks.get(index) ?? []) floatNodes.add(member);
  };
  if (options.floatStem !== false) for (const index of inputStem(nodes, new Set((graph.input ?? []).map((i) => i.name ?? '')))) keepBlock(index);
  nodes.forEach((node, index) => {
    if (keepFloat.has(node.output?.[0] ?? '')) keepBlock(index);
  });
  const weighted = new Map<number, WeightedNodePlan>();
  const quantizedInputs = new Map<number, string[]>();
  nodes.forEach((node, index) => {
    const op = node.opType ?? '';
    if (tail.has(index) || floatNodes.has(index)) return;
    const inputs = node.input ?? [];
    if (weightedOps.has(op)) {
      const w = weightPlan(node, index, initializers);
      if (w && isFloatActivation(inputs[0])) {
        weighted.set(index, w);
        quantizedInputs.set(index, [inputs[0]]);
        return;
      }
      // A MatMul of two activations still runs as QLinearMatMul with both sides quantized.
      if (op === 'MatMul' && inputs.every((i) => isFloatActivation(i))) quantizedInputs.set(index, [...inputs]);
      return;
    }
    if (arithmeticOps.has(op)) {
      const data = inputs.filter((i) => i !== '');
      if (data.length > 0 && data.every((i) => isFloatActivation(i))) quantizedInputs.set(index, data);
      return;
    }
    if (passthroughOps.has(op) && isFloatActivation(inputs[0])) quantizedInputs.set(index, [inputs[0]]);
  });

  const consumers = tensorReaders(nodes);

  // A Relu right after a quantized Conv disappears: the Conv output takes the Relu's name and
  // range, and the int8 zero point at -128 clamps negatives exactly as the Relu would.
  const foldedRelus = new Map<number, number>();
  nodes.forEach((node, index) => {
    if (node.opType !== 'Relu') return;
    const input = node.input?.[0] ?? '';
    const output = node.output?.[0] ?? '';
    const producer = nodes.findIndex((n) => n.output?.[0] === input);
    if (!weighted.has(producer) || nodes[producer]?.opType !== 'Conv') return;
    if ((consumers.get(input) ?? []).length !== 1 || graphOutputs.has(input) || graphOutputs.has(output)) return;
    foldedRelus.set(index, producer);
  });

  const activations = new Set<string>();
  for (const names of quantizedInputs.values()) for (const n of names) activations.add(n);
  for (const [index] of weighted) {
    const node = nodes[index]!;
    let out = node.output?.[0] ?? '';
    for (const [relu, conv] of foldedRelus) if (conv === index) out = nodes[relu]?.output?.[0] ?? out;
    // A Q after the output is what lets ORT fuse DQ-Conv-Q into one int8 kernel. When only
    // float nodes read it (a head Conv feeding the float output tail: box offsets), the Q would
    // only round the result, so it stays float there.
    const readByQuantized = (consumers.get(out) ?? []).some((c) => quantizedInputs.has(c));
    if (out && !graphOutputs.has(out) && readByQuantized) activations.add(out);
  }

  const sharedParams = new Map<string, string>();
  nodes.forEach((node, index) => {
    if (!passthroughOps.has(node.opType ?? '') || !quantizedInputs.has(index)) return;
    const out = node.output?.[0] ?? '';
    if (activations.has(out)) sharedParams.set(out, sharedParams.get(node.input?.[0] ?? '') ?? node.input?.[0] ?? '');
  });

  const saturationBounds = new Map<string, { min: number; max: number }>();
  for (const tensor of activations) {
    if (sharedParams.has(tensor) || graphOutputs.has(tensor)) continue;
    const bound = saturationBound(tensor, nodes, consumers);
    if (bound) saturationBounds.set(tensor, bound);
  }

  const quantizedNodes: Record<string, number> = {};
  for (const index of quantizedInputs.keys()) {
    const op = nodes[index]?.opType ?? '';
    quantizedNodes[op] = (quantizedNodes[op] ?? 0) + 1;
  }
  return { activations, weighted, foldedRelus, sharedParams, saturationBounds, quantizedNodes };
}

/** Element-wise activations that may follow a weighted node as the rest of its block. */
const activationOps: ReadonlySet<string> = new Set(['Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh']);

/**
 * Each weighted node's activation function: the nodes that alone read its output and apply an
 * element-wise activation, one node (Relu, LeakyRelu, ...) or SiLU written as Sigmoid plus
 * Mul(x, Sigmoid(x)). Keyed by the weighted node's index; nodes without one map to [].
 * The block is the unit that stays float or gets quantized together (planQdq, sensitivity.ts).
 */
export function activationBlocks(nodes: readonly NodeProto[]): Map<number, number[]> {
  const readers = tensorReaders(nodes);
  const blocks = new Map<number, number[]>();
  nodes.forEach((node, index) => {
    if (!weightedOps.has(node.opType ?? '')) return;
    const out = node.output?.[0] ?? '';
    const direct = readers.get(out) ?? [];
    blocks.set(index, []);
    if (direct.length === 1 && activationOps.has(nodes[direct[0]!]!.opType ?? '')) {
      blocks.set(index, [direct[0]!]);
      return;
    }
    if (direct.length !== 2) return;
    const sigmoid = direct.find((i) => nodes[i]!.opType === 'Sigmoid');
    const mul = direct.find((i) => nodes[i]!.opType === 'Mul');
    if (sigmoid === undefined || mul === undefined) return;
    const gate = nodes[sigmoid]!.output?.[0] ?? '';
    const mulInputs = nodes[mul]!.input ?? [];
    if (mulInputs.length === 2 && mulInputs.includes(out) && mulInputs.includes(gate) && (readers.get(gate) ?? []).length === 1) blocks.set(index, [sigmoid, mul]);
  });
  return blocks;
}

/** Tensor name mapped to the indices of the nodes that read it. */
function tensorReaders(nodes: readonly NodeProto[]): Map<string, number[]> {
  const readers = new Map<string, number[]>();
  nodes.forEach((node, index) => {
    for (const i of node.input ?? []) if (i) readers.set(i, [...(readers.get(i) ?? []), index]);
  });
  return readers;
}

/**
 * |x| past which Sigmoid is within 3.4e-4 of 0 or 1, and SiLU within 2.7e-3 of 0: clipping there
 * costs less than a tenth of an int8 step of a 0-1 output.
 */
export const SATURATION_LIMIT = 8;

/**
 * The range a tensor needs when every reader saturates: only Sigmoids gives [-8, 8]; Sigmoids
 * plus Muls by those Sigmoids' outputs (SiLU) gives [-8, +inf), because SiLU is x itself above.
 */
function saturationBound(tensor: string, nodes: readonly NodeProto[], consumers: ReadonlyMap<string, number[]>): { min: number; max: number } | undefined {
  const readers = (consumers.get(tensor) ?? []).map((i) => nodes[i]!);
  const sigmoids = readers.filter((n) => n.opType === 'Sigmoid');
  if (sigmoids.length === 0) return undefined;
  const sigmoidOutputs = new Set(sigmoids.map((n) => n.output?.[0] ?? ''));
  let linearSide = false;
  for (const n of readers) {
    if (n.opType === 'Sigmoid') continue;
    const inputs = n.input ?? [];
    const isSilu = n.opType === 'Mul' && inputs.length === 2 && inputs.includes(tensor) && inputs.some((i) => sigmoidOutputs.has(i));
    if (!isSilu) return undefined;
    linearSide = true;
  }
  return { min: -SATURATION_LIMIT, max: linearSide ? Infinity : SATURATION_LIMIT };
}

/**
 * The first Convs on the image and the slicing/joining in front of them (YOLOX's Focus). They
 * stay float, for speed and for accuracy: on x86 an int8 Conv over 3-12 input channels is slower
 * than the float one (YuNet's stem on 640x640: 12.2 ms as QLinearConv against 3.0 ms float,
 * ORT profile, 1 thread), and it multiplies raw 0-255 pixels, the widest range in the model
 * (person-yolox's stem is its most sensitive layer, see sensitivity.ts).
 */
function inputStem(nodes: readonly NodeProto[], graphInputs: ReadonlySet<string>): Set<number> {
  const reached = new Set(graphInputs);
  const stem = new Set<number>();
  nodes.forEach((node, index) => {
    const op = node.opType ?? '';
    const data = (node.input ?? []).filter((i) => reached.has(i));
    if (data.length === 0) return;
    if (weightedOps.has(op) && node.input?.[0] && reached.has(node.input[0])) {
      stem.add(index);
      return;
    }
    if (passthroughOps.has(op) || op === 'Concat') {
      stem.add(index);
      for (const o of node.output ?? []) reached.add(o);
    }
  });
  return stem;
}

/**
 * Nodes that only reshape or join tensors on their way to a graph output. They stay float: a
 * detection head concatenates box offsets (range of several units) with scores (0 to 1), and one
 * shared int8 scale over both would leave the scores only a few steps of resolution.
 */
function outputTail(nodes: readonly NodeProto[], graphOutputs: ReadonlySet<string>): Set<number> {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) producer.set(o, i);
  });
  const tail = new Set<number>();
  const stack = [...graphOutputs];
  while (stack.length > 0) {
    const index = producer.get(stack.pop()!);
    if (index === undefined || tail.has(index)) continue;
    const node = nodes[index]!;
    if (!passthroughOps.has(node.opType ?? '') && node.opType !== 'Concat') continue;
    tail.add(index);
    stack.push(...(node.input ?? []));
  }
  return tail;
}

/** Weight and bias plan of a Conv/Gemm/MatMul, or undefined when its weight is not a float constant. */
function weightPlan(node: NodeProto, nodeIndex: number, initializers: Map<string, TensorProto>): WeightedNodePlan | undefined {
  const inputs = node.input ?? [];
  const weight = initializers.get(inputs[1] ?? '');
  if (!weight || weight.dataType !== DataType.FLOAT) return undefined;
  const rank = dimsOf(weight).length;
  const biasName = inputs[2] || undefined;
  const bias = biasName ? initializers.get(biasName) : undefined;
  if (biasName && (!bias || bias.dataType !== DataType.FLOAT || dimsOf(bias).length !== 1)) return undefined;
  switch (node.opType) {
    case 'Conv':
      return rank >= 3 ? { nodeIndex, weight: inputs[1]!, channelAxis: 0, bias: biasName } : undefined;
    case 'Gemm':
      // The int32-bias trick assumes Y = A x B + C exactly; scaled or transposed-A Gemms stay float.
      if (rank !== 2 || intAttribute(node, 'transA', 0) !== 0) return undefined;
      if (floatAttribute(node, 'alpha', 1) !== 1 || floatAttribute(node, 'beta', 1) !== 1) return undefined;
      return { nodeIndex, weight: inputs[1]!, channelAxis: intAttribute(node, 'transB', 0) === 1 ? 0 : 1, bias: biasName };
    case 'MatMul':
      return rank === 2 ? { nodeIndex, weight: inputs[1]!, channelAxis: 1, bias: undefined } : undefined;
    default:
      return undefined;
  }
}

function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const attr = node.attribute?.find((a) => a.name === name);
  return attr?.f ?? fallback;
}
