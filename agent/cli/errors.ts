/** Error codes of the command line itself. */
import { defineErrors } from '../errors/agent-error.js';

/** CLI errors (docs/errors.md). */
export const cliErrors = defineErrors({
  EDGE_CLI_USAGE: { kind: 'usage', summary: 'A command-line argument is missing or out of range.' },
  EDGE_CLI_SOME_INPUTS_FAILED: { kind: 'input', summary: 'Some inputs of a batch command failed; each was reported on stderr.' },
});
