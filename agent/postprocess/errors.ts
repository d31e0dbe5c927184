/** Error codes of output decoding. */
import { defineErrors } from '../errors/agent-error.js';

/** Decoder errors (docs/errors.md). */
export const decodeErrors = defineErrors({
  EDGE_DECODE_OUTPUT_MISSING: { kind: 'model', summary: 'The model did not return an output its decoder needs (manifest and graph disagree).' },
  EDGE_DECODE_OUTPUT_SHAPE: { kind: 'model', summary: "A model output's shape does not fit its decoder." },
  EDGE_DECODE_UNKNOWN: { kind: 'model', summary: 'The manifest names a decoder the agent does not have.' },
});
