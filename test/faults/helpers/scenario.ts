/**
 * The fault suite's harness: one scenario per file, run as its own process by test/faults/run.ts.
 * A scenario records figures (what it measured) and checks (a target met or not); at the end it
 * prints one `FAULT-RESULT {json}` line for the runner and exits 0 only when every check held.
 * Clean-up steps run in reverse order whatever happened, and a deadline bounds the whole run.
 * A failed scenario also reports the tail of its agents' logs (and saves them whole).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One target and whether the run met it. */
export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

/** What a scenario prints for the runner. */
export interface ScenarioResult {
  name: string;
  ok: boolean;
  seconds: number;
  figures: Record<string, number | string>;
  checks: Check[];
  error: string | null;
  /** When the scenario failed: the last lines of each watched log (agent processes), for a person to act on. */
  logTails?: { label: string; lines: string[]; savedTo: string | null }[];
}

/** A log a scenario's failure report shows the end of (registered by startAgent for each agent). */
interface WatchedLog {
  label: string;
  text: () => string;
}

const watchedLogs: WatchedLog[] = [];
/** Lines of each log shown on failure, and characters per line (JSON log lines can be long). */
const TAIL_LINES = 25;
const TAIL_LINE_CHARS = 400;
/** Logs shown on failure: the most recent ones (sigkill starts 50 agents). */
const TAIL_LOGS = 2;

/** Registers a log whose tail is reported when the scenario fails; `label` names it in the report. */
export function watchLog(label: string, text: () => string): void {
  watchedLogs.push({ label, text });
}

/** The tails of the most recent watched logs; each full log is saved under the OS temp dir, since the workdir goes at clean-up. */
function logTails(scenario: string): NonNullable<ScenarioResult['logTails']> {
  const dir = join(tmpdir(), 'edge-faults-logs');
  return watchedLogs.slice(-TAIL_LOGS).map(({ label, text }) => {
    const full = text();
    let savedTo: string | null = join(dir, `${scenario}-${label}.log`);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(savedTo, full);
    } catch {
      savedTo = null;
    }
    const lines = full.split('\n').filter((l) => l !== '').slice(-TAIL_LINES).map((l) => (l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)}...` : l));
    return { label, lines, savedTo };
  });
}

/** The line prefix the runner looks for. */
export const RESULT_PREFIX = 'FAULT-RESULT ';

/** What a scenario body receives. */
export interface Scenario {
  /** Records a measured number (or short text) under `key`. */
  figure(key: string, value: number | string): void;
  /** Records a target; `detail` says what was seen. */
  check(what: string, ok: boolean, detail?: string): void;
  /** Runs `step` at the end (last registered first), even when the body threw. */
  cleanup(step: () => Promise<void> | void): void;
  /** Prints a progress line on stderr (the runner shows it). */
  note(message: string): void;
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `everyMs` until it is true (returns true) or `timeoutMs` passed (returns false). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}

/** Runs one scenario and exits the process with its outcome. */
export function runScenario(name: string, deadlineMs: number, body: (s: Scenario) => Promise<void>): void {
  const started = Date.now();
  const figures: Record<string, number | string> = {};
  const checks: Check[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const s: Scenario = {
    figure: (key, value) => {
      figures[key] = value;
    },
    check: (what, ok, detail = '') => {
      checks.push({ what, ok, detail });
      console.error(`[${name}] ${ok ? 'ok' : 'NOT OK'} ${what}${detail === '' ? '' : ` (${detail})`}`);
    },
    cleanup: (step) => {
      cleanups.push(step);
    },
    note: (message) => console.error(`[${name}] ${message}`),
  };
  let finishing = false;
  const finish = async (error: string | null): Promise<void> => {
    // The deadline and the body can both end the run; the first one reports.
    if (finishing) return;
    finishing = true;
    const ok = error === null && checks.length > 0 && checks.every((c) => c.ok);
    const result: ScenarioResult = { name, ok, seconds: Math.round((Date.now() - started) / 1000), figures, checks, error };
    // Taken before clean-up stops the agents, so the tail shows the moment of failure.
    // FAULT_LOGS=1 saves (and shows) them after a pass too.
    if (!ok || process.env.FAULT_LOGS === '1') result.logTails = logTails(name);
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        console.error(`[${name}] clean-up step failed: ${(err as Error).message}`);
      }
    }
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    process.exit(result.ok ? 0 : 1);
  };
  const deadline = setTimeout(() => {
    void finish(`deadline of ${deadlineMs / 1000} s passed`);
  }, deadlineMs);
  body(s).then(
    () => {
      clearTimeout(deadline);
      return finish(null);
    },
    (err: unknown) => {
      clearTimeout(deadline);
      return finish(err instanceof Error ? (err.stack ?? err.message) : String(err));
    },
  ).catch((err: unknown) => {
    console.error(err);
    process.exit(2);
  });
}
