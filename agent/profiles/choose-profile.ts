/**
 * Picks the device profile: one named by a flag, a variable or the config file wins; otherwise
 * the first profile whose device-tree rule matches the board; otherwise the generic profile for
 * the CPU architecture. The answer always says why, because "why is it using 2 threads?" is
 * the first question on a new board.
 */
import { nearestName } from '../errors/schema-errors.js';
import type { BoardInfo } from './detect-board.js';
import type { DeviceProfile } from './device-profile.js';
import { profileErrors } from './errors.js';

/** Who asked for the profile, highest precedence first; `detected` means nobody did. */
export type ProfileSource = 'flag' | 'environment' | 'file' | 'detected';

/** The chosen profile and the reason, in a sentence. */
export interface ProfileChoice {
  profile: DeviceProfile;
  source: ProfileSource;
  reason: string;
}

/** A request for a named profile (`auto` means detect). */
export interface ProfileRequest {
  id: string;
  source: Exclude<ProfileSource, 'detected'>;
  /** How the request was written, for the reason: `--profile`, `EDGE_AGENT_PROFILE`, a file path. */
  origin: string;
}

// Architectures without a generic profile of their own fall back to the closest one.
const archFallback: Readonly<Record<string, string>> = { arm: 'arm64', x64: 'x64', arm64: 'arm64' };

/** Chooses a profile for `board`; throws EDGE_PROFILE_UNKNOWN for a requested id that does not exist. */
export function chooseProfile(profiles: readonly DeviceProfile[], board: BoardInfo, request?: ProfileRequest): ProfileChoice {
  if (request && request.id !== 'auto') {
    const profile = profiles.find((p) => p.id === request.id);
    if (!profile) {
      const ids = profiles.map((p) => p.id);
      const near = nearestName(request.id, ids);
      throw profileErrors.EDGE_PROFILE_UNKNOWN(
        `Expected one of ${ids.join(', ')} for the device profile (from ${request.origin}) but received "${request.id}"${near ? `; did you mean ${near}?` : ''}`,
        { requested: request.id, origin: request.origin },
      );
    }
    return { profile, source: request.source, reason: `profile "${profile.id}" requested by ${request.origin}` };
  }
  const model = board.deviceTreeModel;
  if (model !== null) {
    for (const profile of profiles) {
      const hit = profile.match.deviceTreeModel?.find((needle) => model.includes(needle));
      if (hit !== undefined) {
        const tegra = board.tegraRelease === null ? '' : `; L4T ${board.l4tRelease ?? '?'} in ${board.paths.tegraRelease}`;
        return { profile, source: 'detected', reason: `${board.paths.deviceTreeModel} says "${model}", which contains "${hit}"${tegra}` };
      }
    }
  }
  const arch = archFallback[board.arch] ?? 'x64';
  const generic = profiles.find((p) => p.match.arch?.includes(arch));
  if (!generic) {
    throw profileErrors.EDGE_PROFILE_UNKNOWN(`Expected a device profile matching architecture ${arch} but none of ${profiles.map((p) => p.id).join(', ')} does`, { arch });
  }
  const why = model === null ? `${board.paths.deviceTreeModel} is absent` : `no profile matches the device tree model "${model}"`;
  const tegra = board.tegraRelease === null ? '' : ` (a Jetson: L4T ${board.l4tRelease ?? '?'} in ${board.paths.tegraRelease})`;
  const archText = arch === board.arch ? `architecture ${board.arch}` : `architecture ${board.arch}, treated as ${arch}`;
  return { profile: generic, source: 'detected', reason: `${why}${tegra}; generic profile for ${archText}` };
}
