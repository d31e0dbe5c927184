/**
 * Reading and writing ONNX protobufs with the onnx-proto package (protobufjs-generated from
 * onnx.proto), plus the tensor conversions the quantizer needs. Nothing here knows about int8.
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { quantizeErrors } from './errors.js';

/** The generated `onnx` namespace (ModelProto, GraphProto, NodeProto, TensorProto, ...). */
export const onnx = onnxProto.onnx;
/** A decoded ONNX model. */
export type ModelProto = onnxProto.onnx.ModelProto;
/** A decoded ONNX node (decoded messages always carry their repeated and string fields). */
export type NodeProto = onnxProto.onnx.NodeProto;
/** A decoded ONNX tensor (initializer). */
export type TensorProto = onnxProto.onnx.TensorProto;
/** A decoded graph input, output or value_info entry. */
export type ValueInfoProto = onnxProto.onnx.ValueInfoProto;
/**
 * A decoded ONNX graph. The generated class types its lists with the optional-field interfaces;
 * decoding always yields full messages, so this narrows them once here instead of at every use.
 */
export interface GraphProto extends Omit<onnxProto.onnx.GraphProto, 'node' | 'initializer' | 'input' | 'output' | 'valueInfo'> {
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

/** The graph of a decoded model (decodeModel guarantees there is one). */
export function graphOf(model: ModelProto): GraphProto {
  return model.graph as unknown as GraphProto;
}

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** protobufjs decodes int64 fields as Long objects; the quantizer only needs small numbers. */
export function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** Reads and decodes an ONNX file, with an error that names the file when it is not ONNX. */
export async function readModel(path: string): Promise<{ model: ModelProto; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNREADABLE(`Expected a readable ONNX file at ${path} but reading failed: ${(err as Error).message}`, { path }, err);
  }
  return { model: decodeModel(bytes, path), bytes };
}

/** Decodes ONNX bytes; `source` names them in the error. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNREADABLE(`Expected an ONNX ModelProto in ${source} but protobuf decoding failed: ${(err as Error).message}`, { path: source }, err);
  }
  if (!model.graph || model.graph.node == null || model.graph.node.length === 0) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNREADABLE(`Expected an ONNX model with a graph of nodes in ${source} but found none`, { path: source });
  }
  return model;
}

/** Encodes a model to protobuf bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Tensor dimensions as plain numbers. */
export function dimsOf(tensor: onnxProto.onnx.ITensorProto): number[] {
  return (tensor.dims ?? []).map((d) => toNumber(d));
}

/** Float values of a FLOAT initializer, whether stored as raw_data or float_data. */
export function floatValues(tensor: onnxProto.onnx.ITensorProto): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) throw new TypeError(`tensor ${tensor.name ?? ''} has data type ${tensor.dataType ?? 0}, not FLOAT`);
  if ((tensor.externalData?.length ?? 0) > 0) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNSUPPORTED(`Expected initializer ${tensor.name ?? ''} to be stored inside the model but it uses external data`, { tensor: tensor.name });
  }
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    // Copy: raw_data may sit at an unaligned offset inside the decoded buffer.
    const copy = new Uint8Array(raw);
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

/** Builds an initializer from typed values, stored as little-endian raw_data. */
export function makeTensor(name: string, dataType: number, dims: readonly number[], values: Float32Array | Int8Array | Int32Array | Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dataType, dims: [...dims], rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
}

/** Builds a node; attributes are given as plain numbers (INT) or number arrays (INTS). */
export function makeNode(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, number | number[]> = {}, domain = ''): NodeProto {
  const attribute = Object.entries(attributes).map(([name, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS })
      : onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT }),
  );
  return onnx.NodeProto.create({ opType, input: [...inputs], output: [...outputs], attribute, domain });
}

/** An INT attribute of a node, or `fallback` when absent. */
export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const attr = node.attribute.find((a) => a.name === name);
  return attr ? toNumber(attr.i) : fallback;
}

/** A graph input/output declaration with only an element type (shape left unknown). */
export function makeValueInfo(name: string, elemType: number): ValueInfoProto {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType } } });
}

/** The version of the default ("ai.onnx") opset the model imports. */
export function defaultOpsetVersion(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 0;
}
