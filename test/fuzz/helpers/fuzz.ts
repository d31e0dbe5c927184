/**
 * The fuzz suite's shared parts: a seeded generator (the seed is printed, and EDGE_FUZZ_SEED
 * replays a run), byte and text mutators, and the oracle every output is checked against: no stack
 * trace, no "unexpected failure", every error line ending in a code documented in docs/errors.md,
 * and no secret anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { AgentError } from '../../../agent/errors/agent-error.js';
import { repoRoot } from '../../helpers/shared.js';

/** The secret every fuzzed configuration and environment carries; it must never be printed. */
export const FUZZ_SECRET = 'fz-S3cret-7Qx91';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same inputs. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = this.state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** The run's generator: EDGE_FUZZ_SEED when set, else a new seed; prints it so a failure can be replayed. */
export function fuzzRng(t: Test, suite: string): Rng {
  const given = process.env['EDGE_FUZZ_SEED'];
  const seed = given !== undefined && /^\d+$/.test(given) ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  t.comment(`fuzz ${suite}: seed ${seed} (replay with EDGE_FUZZ_SEED=${seed})`);
  return new Rng(seed);
}

/** A mutated copy of `bytes`: flips, overwrites with special values, inserts, deletes, truncates or splices. */
export function mutateBytes(rng: Rng, bytes: Buffer): Buffer {
  let b = Buffer.from(bytes);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(7)) {
      case 0:
        if (b.length > 0) b[at] = (b[at] as number) ^ (1 << rng.int(8));
        break;
      case 1:
        if (b.length > 0) b[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.int(16) }, () => rng.int(256))), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(64)))]);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        // Header fields (sizes, counts) live near the start: hit them harder.
        const h = rng.int(Math.min(64, Math.max(1, b.length)));
        if (b.length > h) b[h] = rng.int(256);
        break;
      }
      default: {
        const from = rng.int(Math.max(1, b.length));
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + 1 + rng.int(256)), b.subarray(at)]);
      }
    }
  }
  return b;
}

/** Values that have broken parsers and runtimes before: huge, negative, odd types, paths to special files. */
export const hostileValues: readonly unknown[] = [
  0, -1, 1e308, 2 ** 63, 2 ** 31, 2147484, 65536, 100000, 0.5, NaN, '', ' ', '-x', '--gst-plugin-load=/tmp/x.so', '/dev/zero', '/dev/null', 'file:///etc/passwd',
  '../../../../etc/passwd', 'a'.repeat(5000), '{thingName}', '#', '+', null, true, [], {}, [1, 2, 3], { a: 1 }, '\u0000', '日本', 'mqtt://user:pw@127.0.0.1:1',
];

/** The codes docs/errors.md documents. */
export function documentedCodes(): Set<string> {
  const text = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
  return new Set([...text.matchAll(/`(EDGE_[A-Z0-9_]+)`/g)].map((m) => m[1] as string));
}

/** Why `err` is not an acceptable failure (an AgentError with a documented code and no secret), or undefined. */
export function badError(err: unknown, codes: Set<string>): string | undefined {
  if (!(err instanceof AgentError)) return `not an AgentError: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)}`;
  if (!codes.has(err.code)) return `undocumented code ${err.code}: ${err.message}`;
  if (err.message.includes(FUZZ_SECRET) || JSON.stringify(err.details).includes(FUZZ_SECRET)) return `secret in ${err.code}: ${err.message}`;
  return undefined;
}

/** Why a CLI run's output is not acceptable, or undefined. */
export function badCliOutput(r: { code: number | null; signal?: NodeJS.Signals | null; stdout: string; stderr: string }, codes: Set<string>): string | undefined {
  if (r.signal) return `ended by ${r.signal}`;
  if (r.code === null) return 'hung (killed by the per-input timeout)';
  if (r.code === 1) return `exit status 1 (unexpected failure):\n${r.stderr.slice(0, 2000)}`;
  const out = `${r.stdout}\n${r.stderr}`;
  if (out.includes(FUZZ_SECRET)) return `the secret was printed:\n${out.slice(0, 2000)}`;
  if (/unexpected failure|^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) return `stack trace or unexpected failure:\n${r.stderr.slice(0, 2000)}`;
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('edge-agent: ')) continue;
    const code = /\[(EDGE_[A-Z0-9_]+)\]\s*$/.exec(line)?.[1];
    if (code === undefined) continue; // a continuation of a multi-line message
    if (!codes.has(code)) return `undocumented code ${code}: ${line}`;
  }
  for (const line of r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const code = /"code":"(EDGE_[A-Z0-9_]+)"/.exec(line)?.[1];
    if (code !== undefined && !codes.has(code)) return `undocumented code ${code} in a log line: ${line.slice(0, 500)}`;
  }
  return undefined;
}

/** Runs `fn` with a per-input time limit; resolves to 'hung' when it does not settle in time. */
export async function withTimeout<T>(ms: number, fn: () => Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([fn(), new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts what a batch produced, and keeps the first few failures to print. */
export class Tally {
  inputs = 0;
  ok = 0;
  refused = 0;
  readonly failures: string[] = [];
  constructor(private readonly name: string) {}
  /** Records one input's outcome: undefined for success, 'refused' for a documented refusal, else the failure. */
  add(label: string, outcome: string): void {
    this.inputs += 1;
    if (outcome === 'ok') this.ok += 1;
    else if (outcome === 'refused') this.refused += 1;
    else this.failures.push(`${label}: ${outcome}`);
  }
  /** Prints the counts and asserts there was no failure. */
  report(t: Test): void {
    t.comment(`fuzz ${this.name}: ${this.inputs} inputs, ${this.ok} accepted, ${this.refused} refused with a documented code, ${this.failures.length} failures`);
    t.same(this.failures.slice(0, 5), [], `${this.name}: no crash, hang, undocumented code or secret`);
  }
}
