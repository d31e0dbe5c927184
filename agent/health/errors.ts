/** Error codes of the health endpoint. */
import { defineErrors } from '../errors/agent-error.js';

/** The health endpoint's error catalogue. */
export const healthErrors = defineErrors({
  EDGE_HEALTH_LISTEN_FAILED: {
    kind: 'environment',
    summary: 'The health endpoint could not listen on its host and port (port in use, or address not on this machine).',
  },
  EDGE_HEALTH_RESTART_NEEDED: {
    kind: 'runtime',
    summary: 'Something only a restart fixes happened (a model rebuilt `inference.maxRebuilds` times within `inference.rebuildWindowSeconds` after stuck inferences) and no watchdog watches the agent, so it stopped and exited with status 1 for its supervisor to restart it.',
  },
});
