/** Classification output [1, classes] (logits or probabilities): optional softmax, then the top k. */
import type { DecodedOutput } from '../results/result-record.js';
import { requireOutput, type DecodeContext, type Decoder, type DecoderConfig } from './decoder.js';
import { decodeErrors } from './errors.js';

/** Numerically stable softmax (subtracts the maximum first). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Decoder for single-label classifiers. */
export class SoftmaxTopKDecoder implements Decoder {
  readonly name = 'softmax-topk' as const;
  private readonly c: DecoderConfig;

  constructor(config: DecoderConfig) {
    this.c = config;
  }

  decode(outputs: Parameters<Decoder['decode']>[0], ctx: DecodeContext): DecodedOutput {
    const { data } = requireOutput(outputs, this.c.outputName);
    if (data.length !== this.c.labels.length) {
      throw decodeErrors.EDGE_DECODE_OUTPUT_SHAPE(`Expected ${this.c.labels.length} scores (one per label) in "${this.c.outputName}" but received ${data.length}`, { expected: this.c.labels.length, actual: data.length });
    }
    const probs = this.c.spec.softmax === false ? Float64Array.from(data) : softmax(data);
    const order = Array.from(probs.keys()).sort((a, b) => (probs[b] as number) - (probs[a] as number));
    const classes = order
      .slice(0, this.c.spec.topK ?? 5)
      .filter((i) => (probs[i] as number) >= ctx.scoreThreshold)
      .map((i) => ({ label: this.c.labels[i] as string, score: Math.round((probs[i] as number) * 10000) / 10000 }));
    return { classes };
  }
}
