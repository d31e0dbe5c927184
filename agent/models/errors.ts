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
  EDGE_MODEL_IMPORT_LAYOUT: { kind: 'model', summary: "`models import` recognised no output layout (or not the one --layout names); the message lists what it saw and the --layout values." },
  EDGE_MODEL_IMPORT_LABELS: { kind: 'model', summary: '`models import` has no labels, or their count disagrees with the class count of the outputs.' },
  EDGE_MODEL_IMPORT_INPUT: { kind: 'model', summary: "`models import` cannot build the input spec: dynamic size without --imgsz, no image input, or preprocessing it cannot infer." },
  EDGE_MODEL_IMPORT_UNSUPPORTED: { kind: 'model', summary: 'ONNX Runtime cannot load the imported model (an opset or operator it does not implement).' },
  EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE: { kind: 'environment', summary: "The demo's sample images are not in its cache and neither the mirror nor any source could supply them; the message lists the URLs and the folder to put them in." },
  EDGE_MODEL_SAMPLE_IMAGE_MISMATCH: { kind: 'input', summary: "A source sent a sample image whose size or sha256 differs from agent/models/sample-images.json; nothing is cached." },
  EDGE_MODEL_IMPORT_EXISTS: { kind: 'usage', summary: '`models import` was given an id that is already in the store (pass --force to replace it).' },
});
