/** Error codes of the model manifests and the model store. */
import { defineErrors } from '../errors/agent-error.js';

/** Model errors (docs/errors.md). */
export const modelErrors = defineErrors({
  EDGE_MODEL_MANIFEST_INVALID: { kind: 'model', summary: 'A model manifest failed schema validation.' },
  EDGE_MODEL_MANIFEST_UNREADABLE: { kind: 'model', summary: 'A model manifest file could not be read or is not JSON.' },
  EDGE_MODEL_UNKNOWN: { kind: 'model', summary: 'No manifest exists for the requested model id.' },
  EDGE_MODEL_NOT_PULLED: { kind: 'model', summary: 'The model file is not in the model directory and no mirror is configured.' },
  EDGE_MODEL_SHA256_MISMATCH: { kind: 'model', summary: 'A model file does not have the sha256 its manifest names.' },
  EDGE_MODEL_SIZE_MISMATCH: { kind: 'model', summary: 'A model file does not have the byte size its manifest names.' },
  EDGE_MODEL_DOWNLOAD_FAILED: { kind: 'model', summary: 'Every source of a model failed to download.' },
  EDGE_MODEL_FILE_NOT_REGULAR: { kind: 'model', summary: 'A model file or manifest is a device, FIFO, directory or other non-regular file; it is not read.' },
  EDGE_MODEL_GRAPH_MISMATCH: { kind: 'model', summary: "The ONNX graph's inputs or outputs differ from the manifest." },
});
