/** Error codes of the local console. */
import { defineErrors } from '../errors/agent-error.js';

/** The console's error catalogue. */
export const consoleErrors = defineErrors({
  EDGE_CONSOLE_LISTEN_FAILED: {
    kind: 'environment',
    summary: 'The console\'s own server (`console.port` set) could not listen on `console.host`:`console.port` (port in use, or address not on this machine).',
  },
  EDGE_CONSOLE_NOT_SERVED: {
    kind: 'config',
    summary: '`edge-agent console url` found a configuration under which the agent serves no console (`console.enabled` false, or it shares a disabled health server).',
  },
  EDGE_CONSOLE_TOKEN_FILE: {
    kind: 'environment',
    summary: 'The console token file in the data directory could not be created or read, or holds no token.',
  },
});
