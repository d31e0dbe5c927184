/** Parsers for numeric and list flags that fail with the flag's name, what was expected and what came. */
import { cliErrors } from './errors.js';
import { isProviderName, KNOWN_PROVIDERS, type ProviderName } from '../inference/providers.js';

/** A number in [min, max] from a flag value. */
export function parseNumberFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw cliErrors.EDGE_CLI_USAGE(`Expected a number between ${min} and ${max} for ${flag} but received "${value}"`, { flag, value });
  }
  return n;
}

/** A non-negative integer from a flag value. */
export function parseIntegerFlag(flag: string, value: string, min: number, max: number): number {
  const n = parseNumberFlag(flag, value, min, max);
  if (!Number.isInteger(n)) throw cliErrors.EDGE_CLI_USAGE(`Expected an integer for ${flag} but received "${value}"`, { flag, value });
  return n;
}

/** A comma-separated list of execution providers. */
export function parseProvidersFlag(flag: string, value: string): ProviderName[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((n) => !isProviderName(n));
  if (names.length === 0 || bad.length > 0) {
    throw cliErrors.EDGE_CLI_USAGE(`Expected a comma-separated list of ${KNOWN_PROVIDERS.join(', ')} for ${flag} but received "${value}"`, { flag, value });
  }
  return names as ProviderName[];
}
