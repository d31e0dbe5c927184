/**
 * Error codes of configuration loading. All are `config` kind (exit status 5) except a config
 * file that cannot be read, which is the environment's fault.
 */
import { defineErrors } from '../errors/agent-error.js';

/** The configuration's error catalogue (docs/configuration.md explains the layers). */
export const configErrors = defineErrors({
  EDGE_CONFIG_FILE_UNREADABLE: {
    kind: 'environment',
    summary: 'The config file named by --config or EDGE_AGENT_CONFIG does not exist or cannot be read.',
  },
  EDGE_CONFIG_YAML_INVALID: {
    kind: 'config',
    summary: 'The config file is not valid YAML, or its top level is not a mapping.',
  },
  EDGE_CONFIG_INVALID: {
    kind: 'config',
    summary: 'A configuration value is missing, misspelled, of the wrong type or out of range; the message names each key path.',
  },
  EDGE_CONFIG_ENV_INVALID: {
    kind: 'config',
    summary: 'An EDGE_AGENT_* environment variable is unknown or its value cannot be read as the key\'s type.',
  },
});
