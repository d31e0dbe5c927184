/** Error codes of the frame loop. */
import { defineErrors } from '../errors/agent-error.js';

/** Pipeline errors (docs/errors.md). */
export const pipelineErrors = defineErrors({
  EDGE_PIPELINE_INFERENCE_STUCK: { kind: 'runtime', summary: 'An inference gave no result within inference.timeoutMs; its session is rebuilt.' },
});
