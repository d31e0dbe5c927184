/** Error codes of ONNX Runtime sessions. */
import { defineErrors } from '../errors/agent-error.js';

/** Inference errors (docs/errors.md). */
export const inferenceErrors = defineErrors({
  EDGE_INFERENCE_SESSION_FAILED: { kind: 'model', summary: 'ONNX Runtime could not create a session for the model on any requested execution provider.' },
  EDGE_INFERENCE_RUN_FAILED: { kind: 'runtime', summary: 'ONNX Runtime failed while running the model on a frame.' },
  EDGE_INFERENCE_RUNTIME_MISSING: { kind: 'environment', summary: 'onnxruntime-node could not be loaded on this machine.' },
});
