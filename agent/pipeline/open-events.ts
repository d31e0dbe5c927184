/**
 * Remembers, in a small JSON file in the data dir, the last event of every track that started and
 * has not ended, so that a track open when the process dies still gets its `end` (reason
 * `restart`) when the agent comes back. The file is rewritten whole (temporary file, then rename)
 * at each event, which is rare next to frames: starts, zone and line changes, heartbeats, ends.
 * A rename is atomic, so a crash leaves the old or the new file, never half of one. Without an
 * fsync a power cut may lose the last change (docs/events.md).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventRecord } from '../results/event-record.js';
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';

/** File name of the journal inside the data dir. */
export const OPEN_EVENTS_FILE = 'open-events.json';

/** At most this many open tracks are remembered (about 1 kB each); the oldest go first. */
export const MAX_OPEN_EVENTS = 1000;

interface JournalFile {
  version: 1;
  events: EventRecord[];
}

/** Counters of the journal. */
export interface OpenEventsStats {
  /** Open tracks remembered now (live and left over from the previous run). */
  open: number;
  /** Writes that failed (the track's `end` after a crash may be missing). */
  writeFailures: number;
  /** Open tracks forgotten because more than MAX_OPEN_EVENTS were open. */
  evicted: number;
}

/** One per agent; shared by the report policies of every camera and model. */
export class OpenEventJournal {
  private readonly file: string;
  private readonly logger: Logger | undefined;
  private readonly maxEntries: number;
  /** Tracks open in this run, by trackId (insertion order = oldest first). */
  private readonly live = new Map<string, EventRecord>();
  /** Tracks the previous run left open, not yet claimed by a policy, by trackId. */
  private readonly leftOver = new Map<string, EventRecord>();
  private readonly throttle = new LogThrottle();
  private readonly counters = { writeFailures: 0, evicted: 0 };

  private constructor(file: string, logger: Logger | undefined, maxEntries: number) {
    this.file = file;
    this.logger = logger;
    this.maxEntries = maxEntries;
  }

  /** Reads the journal in `dataDir` (missing or unreadable: nothing left open, said in the log). */
  static open(dataDir: string, logger?: Logger, maxEntries = MAX_OPEN_EVENTS): OpenEventJournal {
    const journal = new OpenEventJournal(join(dataDir, OPEN_EVENTS_FILE), logger, maxEntries);
    let text: string;
    try {
      text = readFileSync(journal.file, 'utf8');
    } catch {
      return journal; // no file: the previous run left nothing open, or this is the first run
    }
    try {
      const parsed = JSON.parse(text) as Partial<JournalFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.events)) throw new Error(`expected {"version":1,"events":[...]}, found version ${String(parsed.version)}`);
      for (const e of parsed.events.slice(-maxEntries)) {
        if (typeof e?.trackId === 'string' && typeof e.camera === 'string' && typeof e.model?.id === 'string') journal.leftOver.set(e.trackId, e);
      }
    } catch (err) {
      logger?.warn({ file: journal.file, err }, 'open events journal unreadable; tracks open before the restart get no end event (delete the file to silence this)');
    }
    return journal;
  }

  /** Counters, for tests and the status. */
  stats(): OpenEventsStats {
    return { open: this.live.size + this.leftOver.size, ...this.counters };
  }

  /**
   * Takes the tracks of `camera` and `model` the previous run left open; the caller ends them.
   * They stay in the file until the next write, which follows at once when there were any.
   */
  claimLeftOver(camera: string, model: string): EventRecord[] {
    const claimed: EventRecord[] = [];
    for (const [id, e] of this.leftOver) {
      if (e.camera !== camera || e.model.id !== model) continue;
      claimed.push(e);
      this.leftOver.delete(id);
    }
    return claimed;
  }

  /** Notes the events just kept: a start or update remembers the track, an end forgets it. */
  record(events: readonly EventRecord[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      if (e.type === 'end') {
        this.live.delete(e.trackId);
        this.leftOver.delete(e.trackId);
        continue;
      }
      this.live.delete(e.trackId); // re-insert: the newest goes last
      this.live.set(e.trackId, e);
    }
    this.evict();
    this.write();
  }

  /** Rewrites the file now (after claiming left-over tracks). */
  flush(): void {
    this.write();
  }

  private evict(): void {
    for (const map of [this.leftOver, this.live]) {
      for (const id of map.keys()) {
        if (this.live.size + this.leftOver.size <= this.maxEntries) return;
        map.delete(id);
        this.counters.evicted++;
      }
    }
  }

  private write(): void {
    const body: JournalFile = { version: 1, events: [...this.leftOver.values(), ...this.live.values()] };
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(body));
      renameSync(tmp, this.file);
    } catch (err) {
      // Losing the journal costs only the `end` of a track after a crash; events still flow.
      this.counters.writeFailures++;
      const suppressed = this.throttle.shouldLog('write');
      if (suppressed !== undefined) this.logger?.warn({ file: this.file, err, suppressed }, 'open events journal not written; a crash now would leave started tracks without an end event');
    }
  }
}

/** The `end` (reason `restart`) of a track whose last known event is `last`, sent at `nowMs`. */
export function restartEnd(last: EventRecord, resultId: string, nowMs: number): EventRecord {
  const { changes: _changes, endedAt: _endedAt, durationMs: _durationMs, reason: _reason, ...common } = last;
  const lastSeenMs = Date.parse(last.at);
  return {
    ...common,
    type: 'end',
    resultId,
    zones: [],
    at: new Date(nowMs).toISOString(),
    endedAt: last.at,
    durationMs: Math.max(0, lastSeenMs - Date.parse(last.startedAt)),
    reason: 'restart',
  };
}
