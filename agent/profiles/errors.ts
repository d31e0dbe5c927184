/** Error codes of device profiles: a profile asked for by name that does not exist, or a broken profile file. */
import { defineErrors } from '../errors/agent-error.js';

/** The device profiles' error catalogue. */
export const profileErrors = defineErrors({
  EDGE_PROFILE_UNKNOWN: {
    kind: 'config',
    summary: 'The profile named by --profile, EDGE_AGENT_PROFILE or the config file\'s `profile` key is not in device-profiles/.',
  },
  EDGE_PROFILE_INVALID: {
    kind: 'config',
    summary: 'A file in device-profiles/ is not valid YAML or does not match the profile schema.',
  },
});
