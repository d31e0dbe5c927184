/**
 * Rewrites a float graph into QDQ form from a plan and calibrated ranges: Q/DQ pairs after each
 * planned activation, int8 per-channel weights and int32 biases behind DequantizeLinear, and the
 * float weights removed. The model object is modified in place.
 */
import { activationParams, type ActivationType, type QuantParams, type TensorRange } from './activation-range.js';
import { DataType, dimsOf, floatValues, graphOf, makeNode, makeTensor, onnx, toNumber, type ModelProto, type NodeProto, type TensorProto } from './onnx-model.js';
import type { QdqPlan } from './qdq-plan.js';
import { quantizeBias, quantizeWeights } from './weight-quantization.js';

/** What the rewrite did, for the report. */
export interface RewriteSummary {
  readonly quantizedActivations: number;
  readonly quantizedWeights: number;
  readonly foldedRelus: number;
}

/** Element types and weight range of the rewrite. */
export interface RewriteOptions {
  readonly activationType: ActivationType;
  /** 7-bit weights, see quantizeWeightsPerChannel. */
  readonly reduceRange: boolean;
  /** Per-tensor weight scale when its error is at most this times the per-channel one (see quantizeWeights); 1 or less: always per-channel. */
  readonly perTensorTolerance?: number;
}

/** Applies `plan` to `model` using `ranges` (one per planned activation that owns its params). */
export function rewriteToQdq(model: ModelProto, plan: QdqPlan, ranges: ReadonlyMap<string, TensorRange>, options: RewriteOptions): RewriteSummary {
  const { activationType, reduceRange } = options;
  const graph = graphOf(model);
  const nodes = graph.node;
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer) initializers.set(t.name, t);
  const added: TensorProto[] = [];
  // Activation zero points take one of 256 values; each value is stored once.
  const activationZeroPoints = new Map<number, string>();
  const activationZeroPoint = (value: number): string => {
    let name = activationZeroPoints.get(value);
    if (!name) {
      name = `z${activationType === 'int8' ? 'i' : 'u'}${value}`;
      added.push(activationType === 'int8' ? makeTensor(name, DataType.INT8, [], Int8Array.of(value)) : makeTensor(name, DataType.UINT8, [], Uint8Array.of(value)));
      activationZeroPoints.set(value, name);
    }
    return name;
  };

  // Activation parameters, resolved in graph order so shared tensors reuse their source's.
  const params = new Map<string, QuantParams>();
  const paramsOf = (tensor: string): QuantParams => {
    const known = params.get(tensor);
    if (known) return known;
    const source = plan.sharedParams.get(tensor);
    const resolved = source && source !== tensor ? paramsOf(source) : activationParams(ranges.get(tensor) ?? { min: 0, max: 0 }, activationType);
    params.set(tensor, resolved);
    return resolved;
  };

  // Short generated names: on a small model, names repeated in every Q/DQ node would otherwise
  // weigh as much as the int8 weights. The Q node's input still names the float tensor.
  const dequantizedName = new Map<string, string>();
  const qdqPair = (tensor: string): NodeProto[] => {
    const p = paramsOf(tensor);
    const id = dequantizedName.size;
    const scale = `s${id}`;
    const zp = activationZeroPoint(p.zeroPoint);
    dequantizedName.set(tensor, `dq${id}`);
    added.push(makeTensor(scale, DataType.FLOAT, [], Float32Array.of(p.scale)));
    return [makeNode('QuantizeLinear', [tensor, scale, zp], [`q${id}`]), makeNode('DequantizeLinear', [`q${id}`, scale, zp], [`dq${id}`])];
  };

  // Float weight name mapped to its DequantizeLinear output and per-channel scales.
  const replacedWeights = new Map<string, { name: string; scales: Float32Array }>();
  const out: NodeProto[] = [];
  const pending = new Set(plan.activations);
  const emitPairsFor = (tensors: readonly string[]): void => {
    for (const t of tensors) {
      if (!pending.delete(t)) continue;
      out.push(...qdqPair(t));
    }
  };
  emitPairsFor(graph.input.map((i) => i.name));

  let quantizedWeights = 0;
  nodes.forEach((node, index) => {
    if (plan.foldedRelus.has(index)) return;
    for (const [relu, conv] of plan.foldedRelus) if (conv === index) node.output = [nodes[relu]!.output[0]!];
    // Every consumer reads the DQ output, even float-only ops: a float side branch on a Conv
    // output would stop ORT from fusing that Conv. Graph outputs themselves stay float.
    const activationInput = node.input[0] ?? '';
    node.input = node.input.map((i) => dequantizedName.get(i) ?? i);
    const w = plan.weighted.get(index);
    if (w) {
      let qw = replacedWeights.get(w.weight);
      const tensor = initializers.get(w.weight)!;
      const dims = dimsOf(tensor);
      if (!qw) {
        const { values, scales, perTensor } = quantizeWeights(floatValues(tensor), dims, w.channelAxis, reduceRange, options.perTensorTolerance ?? 1);
        const id = replacedWeights.size;
        const name = `w${id}`;
        added.push(makeTensor(name, DataType.INT8, dims, values), makeTensor(`ws${id}`, DataType.FLOAT, perTensor ? [] : [scales.length], scales));
        // No zero point: DequantizeLinear's defaults to 0 of the input's type (int8 here), which
        // is what symmetric weights need, and the file saves one initializer per channel count.
        out.push(makeNode('DequantizeLinear', [name, `ws${id}`], [`wdq${id}`], perTensor ? {} : { axis: w.channelAxis }));
        qw = { name: `wdq${id}`, scales };
        replacedWeights.set(w.weight, qw);
        quantizedWeights++;
      }
      node.input[1] = qw.name;
      if (w.bias) {
        const b = quantizeBias(floatValues(initializers.get(w.bias)!), paramsOf(activationInput).scale, qw.scales);
        const perTensor = qw.scales.length === 1;
        // Each Conv gets its own bias tensor: the scale depends on this node's input scale.
        added.push(makeTensor(`b${index}`, DataType.INT32, [b.values.length], b.values), makeTensor(`bs${index}`, DataType.FLOAT, perTensor ? [] : [b.scales.length], perTensor ? b.scales.subarray(0, 1) : b.scales));
        out.push(makeNode('DequantizeLinear', [`b${index}`, `bs${index}`], [`bdq${index}`], perTensor ? {} : { axis: 0 }));
        node.input[2] = `bdq${index}`;
      }
    }
    out.push(node);
    emitPairsFor(node.output);
  });

  graph.node = out;
  const stillUsed = new Set(out.flatMap((n) => n.input));
  // Intermediate shapes are optional and ONNX Runtime infers them; dropping them saves space.
  graph.valueInfo = [];
  graph.initializer = [...graph.initializer.filter((t) => stillUsed.has(t.name)), ...added].map((t) => onnx.TensorProto.create(t));
  // QuantizeLinear/DequantizeLinear with a per-channel axis need opset 13 (and IR 7).
  for (const o of model.opsetImport) if (!o.domain || o.domain === 'ai.onnx') o.version = Math.max(toNumber(o.version), 13);
  model.irVersion = Math.max(toNumber(model.irVersion), 7);
  return { quantizedActivations: plan.activations.size - pending.size, quantizedWeights, foldedRelus: plan.foldedRelus.size };
}
