/**
 * Which ONNX operators the quantizer wraps in QuantizeLinear/DequantizeLinear, grouped by how
 * ONNX Runtime's QDQ transformer treats them on the CPU provider.
 */

/** Ops with a weight initializer: per-channel int8 weight, int32 bias, fused to QLinearConv / QGemm / QLinearMatMul. */
export const weightedOps: ReadonlySet<string> = new Set(['Conv', 'Gemm', 'MatMul']);

/** Ops whose float activation inputs and output are quantized and that ORT fuses to a QLinear* kernel. */
export const arithmeticOps: ReadonlySet<string> = new Set(['Add', 'Mul', 'Concat', 'Sigmoid', 'AveragePool', 'GlobalAveragePool', 'LeakyRelu']);

/**
 * Ops that only move or select values: their output reuses the input's scale and zero point, so
 * ORT drops the DQ/Q around them and runs them on int8 directly.
 */
export const passthroughOps: ReadonlySet<string> = new Set(['MaxPool', 'Resize', 'Reshape', 'Transpose', 'Slice', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** Ops that mark a model as already quantized; quantizing twice is refused. */
export const quantizedOps: ReadonlySet<string> = new Set([
  'QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger',
  'QLinearAdd', 'QLinearMul', 'QLinearSigmoid', 'QLinearConcat', 'DynamicQuantizeLinear',
]);

/**
 * Ops whose inputs or semantics changed between opset 11 and 13 (Resize, Pad and Clip only
 * gained types). QuantizeLinear needs opset 13 for per-channel axes, so an opset 11 or 12 model
 * is lifted to 13 only when it uses none of these.
 */
export const changedBefore13: ReadonlySet<string> = new Set(['Softmax', 'LogSoftmax', 'Hardmax', 'Split', 'Squeeze', 'Unsqueeze', 'ReduceSum']);
