/**
 * Element types of every tensor in a graph, so the quantizer only touches float activations
 * (a Concat of int64 shape values must stay int64). Declared types win; the rest are inferred
 * with the few rules that matter for exported detection models.
 */
import { DataType, toNumber, type GraphProto } from './onnx-model.js';

/** Ops whose output type does not follow their first input. */
const int64Outputs: ReadonlySet<string> = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
const boolOutputs: ReadonlySet<string> = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const BOOL = 9;

/** Maps tensor name to ONNX element type (0 when it cannot be told). */
export function inferElementTypes(graph: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const t of graph.initializer ?? []) if (t.name) types.set(t.name, t.dataType ?? 0);
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const elem = v.type?.tensorType?.elemType;
    if (v.name && elem) types.set(v.name, elem);
  }
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    let type: number;
    if (int64Outputs.has(op)) type = DataType.INT64;
    else if (boolOutputs.has(op)) type = BOOL;
    else if (op === 'Cast') type = toNumber(node.attribute?.find((a) => a.name === 'to')?.i);
    else if (op === 'Constant') type = node.attribute?.find((a) => a.name === 'value')?.t?.dataType ?? 0;
    else if (op === 'Where') type = types.get(node.input?.[1] ?? '') ?? 0;
    else type = types.get(node.input?.[0] ?? '') ?? 0;
    for (const out of node.output ?? []) if (out && !types.has(out)) types.set(out, type);
  }
  return types;
}
