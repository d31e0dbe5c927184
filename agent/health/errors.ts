/** Error codes of the health endpoint. */
import { defineErrors } from '../errors/agent-error.js';

/** The health endpoint's error catalogue. */
export const healthErrors = defineErrors({
  EDGE_HEALTH_LISTEN_FAILED: {
    kind: 'environment',
    summary: 'The health endpoint could not listen on its host and port (port in use, or address not on this machine).',
  },
});
