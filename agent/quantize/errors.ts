/** Error codes of the int8 quantizer (agent/quantize). */
import { defineErrors } from '../errors/agent-error.js';

/** Failures while reading, calibrating, rewriting or writing a model for quantization. */
export const quantizeErrors = defineErrors({
  EDGE_QUANTIZE_MODEL_UNREADABLE: { kind: 'model', summary: 'The float model file could not be read or parsed as ONNX.' },
  EDGE_QUANTIZE_MODEL_UNSUPPORTED: { kind: 'model', summary: 'The model uses a feature the quantizer does not handle (opset, external data, already quantized).' },
  EDGE_QUANTIZE_CALIBRATION_EMPTY: { kind: 'input', summary: 'No usable calibration images were given.' },
  EDGE_QUANTIZE_CALIBRATION_IMAGE: { kind: 'input', summary: 'A calibration image could not be decoded.' },
  EDGE_QUANTIZE_OPTIONS_INVALID: { kind: 'usage', summary: 'Quantizer options are out of range or inconsistent.' },
  EDGE_QUANTIZE_OUTPUT_INVALID: { kind: 'usage', summary: 'The output path would overwrite the float model.' },
  EDGE_QUANTIZE_AGREEMENT_LOW: { kind: 'model', summary: 'The quantized variant agrees with the float model less than --min-agreement allows; the variant was removed.' },
  EDGE_QUANTIZE_RUNTIME_FAILED: { kind: 'runtime', summary: 'ONNX Runtime failed while calibrating or checking the model.' },
});
