/**
 * Per-layer sensitivity: how much the model's outputs move when only one weighted node and its
 * activation function (its input, weight, output and the activation's output) are quantized.
 * The few blocks that move them most are the ones to keep float; which they are depends on the
 * model (the layer reading a stem's wide-range output, a head Conv feeding scores), so it is
 * measured rather than named.
 */
import * as ort from 'onnxruntime-node';
import type { TensorRange } from './activation-range.js';
import { quantizeErrors } from './errors.js';
import { decodeModel, encodeModel, graphOf, type ModelProto } from './onnx-model.js';
import { activationBlocks, planQdq } from './qdq-plan.js';
import { rewriteToQdq, type RewriteOptions } from './qdq-rewrite.js';

/** One weighted node and the relative output error when it alone is quantized. */
export interface LayerSensitivity {
  /** The node's first output tensor: the key `planQdq`'s keepFloat takes. */
  readonly output: string;
  readonly opType: string;
  /** sqrt(sum (q - f)^2 / sum f^2) over every graph output and frame. */
  readonly relativeError: number;
}

/**
 * Measures every weighted node of `model` (not modified) on `inputs` (prepared frames), using the
 * activation `ranges` already calibrated for the full plan. Sorted, most sensitive first.
 */
export async function measureSensitivity(
  model: ModelProto,
  inputName: string,
  inputDims: readonly number[],
  inputs: readonly Float32Array[],
  ranges: ReadonlyMap<string, TensorRange>,
  rewrite: RewriteOptions,
  threads: number,
  planOptions: Parameters<typeof planQdq>[2] = {},
): Promise<LayerSensitivity[]> {
  const bytes = encodeModel(model);
  const graph = graphOf(model);
  const full = planQdq(graph, new Set(), planOptions);
  const blocks = activationBlocks(graph.node);
  const everyNode = graph.node.map((n) => n.output[0] ?? '');
  const feeds = inputs.map((data) => ({ [inputName]: new ort.Tensor('float32', data, [...inputDims]) }));
  const reference = await outputsOf(bytes, feeds, threads);
  const results: LayerSensitivity[] = [];
  for (const index of full.weighted.keys()) {
    const node = graph.node[index]!;
    const copy = decodeModel(bytes, 'sensitivity copy');
    // The block alone is quantized: the node, its activation function, and what they read.
    const block = new Set([index, ...(blocks.get(index) ?? [])].map((i) => everyNode[i]));
    const keepFloat = new Set(everyNode.filter((o) => !block.has(o)));
    rewriteToQdq(copy, planQdq(graphOf(copy), keepFloat, planOptions), ranges, rewrite);
    const outputs = await outputsOf(encodeModel(copy), feeds, threads);
    let num = 0;
    let den = 0;
    for (const [f, frame] of reference.entries()) {
      for (const [name, expected] of frame) {
        const got = outputs[f]!.get(name)!;
        for (let i = 0; i < expected.length; i++) {
          num += (got[i]! - expected[i]!) ** 2;
          den += expected[i]! ** 2;
        }
      }
    }
    results.push({ output: node.output[0] ?? '', opType: node.opType, relativeError: Math.sqrt(num / (den || 1)) });
  }
  return results.sort((a, b) => b.relativeError - a.relativeError);
}

async function outputsOf(bytes: Uint8Array, feeds: readonly Record<string, ort.Tensor>[], threads: number): Promise<Map<string, Float32Array>[]> {
  let session: ort.InferenceSession;
  try {
    // Unoptimised: plain QDQ arithmetic (no fusion) is what the int8 kernels approximate, and it
    // loads quicker, which counts with one session per weighted node.
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_RUNTIME_FAILED(`Expected ONNX Runtime to load a model for the sensitivity pass but it failed: ${(err as Error).message}`, {}, err);
  }
  try {
    const all: Map<string, Float32Array>[] = [];
    for (const feed of feeds) {
      const out = await session.run(feed);
      all.push(new Map(session.outputNames.map((n) => [n, out[n]!.data as Float32Array])));
    }
    return all;
  } finally {
    await session.release();
  }
}
