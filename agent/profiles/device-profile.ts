/**
 * Device profiles: one YAML file per board in device-profiles/, each a partial config merged
 * between the defaults and the config file, plus the rule that matches it to a board. The
 * profile's `config` is checked against the config schema like any other layer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { problemsFromAjv } from '../errors/schema-errors.js';
import { describeError } from '../errors/agent-error.js';
import { profileErrors } from './errors.js';

/** The device-profiles/ folder of this installation. */
export const defaultProfilesDir = fileURLToPath(new URL('../../device-profiles/', import.meta.url));

/** How a profile recognises its board; any one rule matching is enough. */
export interface ProfileMatch {
  /** Substrings of /proc/device-tree/model. */
  deviceTreeModel?: readonly string[];
  /** Node process.arch values; used by the generic profiles. */
  arch?: readonly string[];
}

/** One device profile as read from its file. */
export interface DeviceProfile {
  id: string;
  name: string;
  match: ProfileMatch;
  /** The partial config this profile contributes (the "device profile" layer). */
  config: Record<string, unknown>;
  /** The file it came from. */
  file: string;
}

const profileFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'match', 'config'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
    name: { type: 'string', minLength: 1 },
    match: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        deviceTreeModel: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        arch: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      },
    },
    config: { type: 'object' },
  },
} as const;

const validateProfileFile = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(profileFileSchema);

/** Reads and checks one profile file; throws EDGE_PROFILE_INVALID naming the file and key. */
export function readDeviceProfile(file: string): DeviceProfile {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw profileErrors.EDGE_PROFILE_INVALID(`Expected a readable YAML device profile in ${file} but: ${describeError(err)}`, { file }, err);
  }
  if (!validateProfileFile(doc)) {
    const problems = problemsFromAjv(validateProfileFile.errors ?? [], doc);
    throw profileErrors.EDGE_PROFILE_INVALID(`Invalid device profile ${file}: ${problems.map((p) => p.message).join('; ')}`, { file, problems });
  }
  // Its `config` section is a config layer, checked by config/load-config.ts like every other layer.
  const profile = doc as Omit<DeviceProfile, 'file'>;
  return { ...profile, file };
}

/** Every profile in `dir` (*.yaml), sorted by id; ids must be unique. */
export function loadDeviceProfiles(dir: string = defaultProfilesDir): DeviceProfile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'));
  } catch (err) {
    throw profileErrors.EDGE_PROFILE_INVALID(`Expected a directory of device profiles at ${dir} but: ${describeError(err)}`, { dir }, err);
  }
  const profiles = names.map((n) => readDeviceProfile(join(dir, n))).sort((a, b) => a.id.localeCompare(b.id));
  for (let i = 1; i < profiles.length; i++) {
    const [a, b] = [profiles[i - 1], profiles[i]];
    if (a && b && a.id === b.id) {
      throw profileErrors.EDGE_PROFILE_INVALID(`Expected unique profile ids but ${a.file} and ${b.file} both use "${a.id}"`, { dir });
    }
  }
  return profiles;
}
