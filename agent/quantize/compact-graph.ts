/**
 * Shrinks the bytes a graph spends on anything but weights: on a small model such as YuNet
 * (54k weights) the float file's names and attributes alone weigh 7 % of it, which an int8 file
 * holding a quarter of the weight bytes cannot afford. Nothing here changes what the model
 * computes: graph inputs and outputs keep their names, and only attributes equal to the ONNX
 * default are removed.
 */
import { graphOf, onnx, toNumber, type GraphProto, type ModelProto, type NodeProto } from './onnx-model.js';

/** Conv attributes whose value here equals the operator's default (all ones or all zeros). */
const defaultConvAttributes: Readonly<Record<string, number>> = { dilations: 1, strides: 1, pads: 0, group: 1 };

/** Renames internal tensors to short names, drops node names and doc strings and default Conv attributes. */
export function compactGraph(model: ModelProto): void {
  const graph = graphOf(model);
  Reflect.deleteProperty(model, 'docString');
  Reflect.deleteProperty(graph, 'docString');
  renameInternalTensors(graph);
  for (const node of graph.node) {
    if (node.opType === 'Conv' && !node.domain) node.attribute = node.attribute.filter((a) => !isDefaultConvAttribute(a));
    // protobufjs writes a field it finds set on the message, even to '': unset is 0 bytes.
    for (const field of ['name', 'docString', ...(node.domain ? [] : ['domain'])]) Reflect.deleteProperty(node, field);
  }
}

function isDefaultConvAttribute(a: NodeProto['attribute'][number]): boolean {
  const fallback = defaultConvAttributes[a.name ?? ''];
  if (fallback === undefined) return false;
  if (a.type === onnx.AttributeProto.AttributeType.INT) return toNumber(a.i) === fallback;
  return a.type === onnx.AttributeProto.AttributeType.INTS && (a.ints?.length ?? 0) > 0 && (a.ints ?? []).every((v) => toNumber(v) === fallback);
}

/** Every tensor that is neither a graph input nor a graph output gets a base-36 name. */
function renameInternalTensors(graph: GraphProto): void {
  // A subgraph (If, Loop) may read outer tensors by name; such models keep their names.
  if (graph.node.some((n) => n.attribute.some((a) => a.g || (a.graphs?.length ?? 0) > 0))) return;
  const fixed = new Set([...graph.input, ...graph.output].map((v) => v.name));
  const renamed = new Map<string, string>();
  let next = 0;
  const rename = (name: string): string => {
    if (name === '' || fixed.has(name)) return name;
    let short = renamed.get(name);
    if (short === undefined) {
      do short = (next++).toString(36);
      while (fixed.has(short));
      renamed.set(name, short);
    }
    return short;
  };
  for (const node of graph.node) {
    node.input = node.input.map(rename);
    node.output = node.output.map(rename);
  }
  for (const t of graph.initializer) t.name = rename(t.name);
  for (const v of graph.valueInfo) v.name = rename(v.name);
}
