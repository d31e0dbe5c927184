/**
 * Loads onnxruntime-node lazily, so commands that never run a model (`outbox status`) start fast
 * and a machine where the native binding fails still gets a clear message with the fix.
 */
import { inferenceErrors } from './errors.js';

type Ort = typeof import('onnxruntime-node');
let cached: Promise<Ort> | undefined;

/** The onnxruntime-node module, or an error naming the fix. */
export function loadOrt(): Promise<Ort> {
  cached ??= import('onnxruntime-node').then((ort) => {
    // ONNX Runtime's native logger prints to stderr in its own format (a missing CUDA library is
    // a red multi-line error). Failures still reach us as exceptions, which the agent logs as one
    // structured line, so only fatal native messages are let through.
    ort.env.logLevel = 'fatal';
    return ort;
  }).catch((err: unknown) => {
    cached = undefined;
    throw inferenceErrors.EDGE_INFERENCE_RUNTIME_MISSING(
      `onnxruntime-node failed to load (${err instanceof Error ? err.message : String(err)}); reinstall it with \`npm install onnxruntime-node\` on this device (linux arm64 and x64 binaries ship in the package)`,
      {},
      err,
    );
  });
  return cached;
}
