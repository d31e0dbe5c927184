/**
 * What `models import` needs to know about an ONNX graph, summarised from a model decoded with
 * onnx-proto (the quantizer's reader decodes it; this only reads the fields): the real inputs
 * (initializers listed as inputs by old exporters are left out), the outputs with their shapes,
 * the opsets, the exporter's metadata_props, and the operator that computes each output.
 */
import type onnxProto from 'onnx-proto';

/** A dimension: a number when fixed, a name (or '?') when dynamic. */
export type Dim = number | string;

/** One graph input or output. */
export interface TensorSummary {
  name: string;
  /** ONNX element type name: float32, uint8, int64, ... */
  type: string;
  dims: Dim[];
}

/** A graph as import reads it. */
export interface GraphSummary {
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** Version of the default (ai.onnx) opset; 0 when the model does not say. */
  opset: number;
  /** Every imported opset as `domain@version` ('' domain shown as ai.onnx). */
  opsets: string[];
  /** metadata_props as a plain map. */
  metadata: Record<string, string>;
  producer: string;
  /** For each output, the operator that computes it, looking through Identity/Reshape/Flatten/Squeeze (e.g. Softmax). */
  producedBy: Record<string, string>;
}

const elementTypes: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

type Long = number | { toNumber(): number } | null | undefined;
const num = (v: Long): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

function tensorOf(v: onnxProto.onnx.IValueInfoProto): TensorSummary {
  const t = v.type?.tensorType;
  const dims = (t?.shape?.dim ?? []).map((d): Dim => {
    if (d.dimParam) return d.dimParam;
    const n = num(d.dimValue as Long);
    return n > 0 ? n : '?';
  });
  return { name: v.name ?? '', type: elementTypes[t?.elemType ?? 0] ?? `type-${t?.elemType ?? 0}`, dims };
}

/** Operators that only rename or reshape a value: looked through to find what computed it. */
const passThrough = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

function meaningfulProducer(producer: ReadonlyMap<string, onnxProto.onnx.INodeProto>, name: string): string {
  let node = producer.get(name);
  for (let hops = 0; node !== undefined && passThrough.has(node.opType ?? '') && hops < 16; hops++) node = producer.get(node.input?.[0] ?? '');
  return node?.opType ?? '';
}

/** Summarises a decoded model. */
export function summarizeGraph(model: onnxProto.onnx.IModelProto): GraphSummary {
  const g = model.graph ?? {};
  const initializers = new Set((g.initializer ?? []).map((i) => i.name ?? ''));
  const outputs = (g.output ?? []).map(tensorOf);
  const producer = new Map<string, onnxProto.onnx.INodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  const producedBy: Record<string, string> = {};
  for (const o of outputs) producedBy[o.name] = meaningfulProducer(producer, o.name);
  const opsetImport = model.opsetImport ?? [];
  const main = opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  return {
    inputs: (g.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(tensorOf),
    outputs,
    opset: main ? num(main.version as Long) : 0,
    opsets: opsetImport.map((o) => `${o.domain || 'ai.onnx'}@${num(o.version as Long)}`),
    metadata,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    producedBy,
  };
}

/** `[1, 84, 8400]`, with dynamic dimensions by name. */
export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.join(', ')}]`;
}
