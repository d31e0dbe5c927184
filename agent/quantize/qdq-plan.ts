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
  /** Count of quantized nodes per op type, for the report. */
  readonly quantizedNodes: Readonly<Record<string, number>>;
}

/** Builds the plan; `graph` is not modified. */
export function planQdq(graph: GraphProto): QdqPlan {
  const nodes = graph.node ?? [];
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) if (t.name) initializers.set(t.name, t);
  const types = inferElementTypes(graph);
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const isFloatActivation = (name: string | undefined): name is string =>
    !!name && !initializers.has(name) && types.get(name) === DataType.FLOAT;

  const tail = outputTail(nodes, graphOutputs);
  const weighted = new Map<number, WeightedNodePlan>();
  const quantizedInputs = new Map<number, string[]>();
  nodes.forEach((node, index) => {
    const op = node.opType ?? '';
    if (tail.has(index)) return;
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

  const consumers = new Map<string, number[]>();
  nodes.forEach((node, index) => {
    for (const i of node.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), index]);
  });

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
    // A Q after the output is what lets ORT fuse DQ-Conv-Q into one int8 kernel.
    if (out && !graphOutputs.has(out)) activations.add(out);
  }

  const sharedParams = new Map<string, string>();
  nodes.forEach((node, index) => {
    if (!passthroughOps.has(node.opType ?? '') || !quantizedInputs.has(index)) return;
    const out = node.output?.[0] ?? '';
    if (activations.has(out)) sharedParams.set(out, sharedParams.get(node.input?.[0] ?? '') ?? node.input?.[0] ?? '');
  });

  const quantizedNodes: Record<string, number> = {};
  for (const index of quantizedInputs.keys()) {
    const op = nodes[index]?.opType ?? '';
    quantizedNodes[op] = (quantizedNodes[op] ?? 0) + 1;
  }
  return { activations, weighted, foldedRelus, sharedParams, quantizedNodes };
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
