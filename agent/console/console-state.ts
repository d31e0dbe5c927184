/**
 * `/api/state` and the live updates: what the page shows, built from the sources and the board
 * once per console interval. Rates (frames/s per camera, published results/s) are measured over
 * the last few samples; the last acknowledgement is the last sample at which delivered rows grew,
 * so it is exact to one interval.
 */
import type { FrameSourceState } from '../capture/frame-source.js';
import type { Readiness } from '../health/readiness.js';
import { withoutUrlCredentials } from '../support/redact.js';
import type { FrameBoard, PictureState } from './board.js';
import type { RecentWarning, RecentWarnings } from './recent-warnings.js';
import type { LineView, ZoneView } from './scene-view.js';
import type { ConsoleSources, ModelInUse } from './sources.js';

/** One camera in the state. */
export interface CameraState {
  name: string;
  sourceState: FrameSourceState;
  /** Frames inferred per second, over the last few seconds; null until two samples exist. */
  fps: number | null;
  framesCaptured: number;
  framesInferred: number;
  framesDropped: number;
  framesSkipped: number;
  resultsKept: number;
  gate: { enabled: boolean; lastFrame: 'passed' | 'skipped' | null };
  /** The newest drawn picture; null before a viewer asked for one. */
  picture: PictureState | null;
  /** The camera's zones as configured now (normalized coordinates), with the objects in each on the drawn frame (null with no picture). */
  zones: (ZoneView & { objects: number | null })[];
  /** The camera's lines as configured now; `forward` crossings go to the side `to - from` turned a quarter turn counter-clockwise points to. */
  lines: LineView[];
}

/** The whole state the console shows. */
export interface ConsoleState {
  deviceId: string;
  at: string;
  ready: Readiness;
  cameras: CameraState[];
  outbox: { pendingRows: number; pendingBytes: number; oldestPendingAgeMs: number | null; deadRows: number; droppedRows: number; droppedByReason: Record<string, number> };
  publisher: { transport: string; connected: boolean; lastAckAt: string | null; resultsPerSecond: number | null; rowsDelivered: number; rowsDeadLettered: number; lastError: string | null } | null;
  models: ModelInUse[];
  warnings: readonly RecentWarning[];
  warningsDropped: number;
  console: { viewers: number; encodes: number; frameIntervalMs: number };
}

interface Sample {
  atMs: number;
  inferred: Map<string, number>;
  delivered: number;
}

/** Samples kept for rates: with a 1 s interval, rates are over about 5 s. */
const WINDOW = 6;

/** Builds the state, remembering past samples for rates. */
export class StateSampler {
  private readonly samples: Sample[] = [];
  private lastAckAt: string | null = null;

  constructor(
    private readonly sources: ConsoleSources,
    private readonly board: FrameBoard,
    private readonly warnings: RecentWarnings,
    private readonly frameIntervalMs: number,
  ) {}

  /** Takes a sample (counters only) for the rates; cheap, so it runs every interval with or without viewers. */
  sample(nowMs = Date.now()): void {
    const inferred = new Map(this.sources.cameras().map((c) => [c.name, c.stats().framesInferred]));
    const delivered = this.sources.publisher()?.stats.rowsDelivered ?? 0;
    const last = this.samples.at(-1);
    if (last !== undefined && delivered > last.delivered) this.lastAckAt = new Date(nowMs).toISOString();
    this.samples.push({ atMs: nowMs, inferred, delivered });
    if (this.samples.length > WINDOW) this.samples.shift();
  }

  /** The names of the running cameras. */
  cameraNames(): string[] {
    return this.sources.cameras().map((c) => c.name);
  }

  /** The state now. */
  state(viewers: number): ConsoleState {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    const spanS = first !== undefined && last !== undefined && last.atMs > first.atMs ? (last.atMs - first.atMs) / 1000 : null;
    const rate = (now: number | undefined, before: number | undefined): number | null =>
      spanS === null || now === undefined || before === undefined ? null : Math.round(((now - before) / spanS) * 100) / 100;
    const o = this.sources.outboxStatus();
    const p = this.sources.publisher();
    return {
      deviceId: this.sources.deviceId,
      at: new Date().toISOString(),
      ready: this.sources.readiness(),
      cameras: this.sources.cameras().map((c) => {
        const s = c.stats();
        const src = c.sourceStats();
        const picture = this.board.picture(c.name)?.state ?? null;
        const scene = this.board.sceneOf(c.name);
        return {
          name: c.name,
          sourceState: src.state,
          fps: rate(last?.inferred.get(c.name), first?.inferred.get(c.name)),
          framesCaptured: src.frames,
          framesInferred: s.framesInferred,
          framesDropped: s.framesDropped,
          framesSkipped: s.framesSkipped,
          resultsKept: s.resultsKept,
          gate: { enabled: c.gate !== undefined, lastFrame: c.gate === undefined ? null : (picture?.gate ?? null) },
          picture,
          zones: scene.zones.map((z) => ({ ...z, objects: picture?.occupancy[z.name] ?? null })),
          lines: [...scene.lines],
        };
      }),
      outbox: {
        pendingRows: o.pendingRows,
        pendingBytes: o.pendingBytes,
        oldestPendingAgeMs: o.oldestPendingAgeMs,
        deadRows: o.deadRows,
        droppedRows: Object.values(o.droppedByReason).reduce((a, b) => a + b, 0),
        droppedByReason: o.droppedByReason,
      },
      publisher:
        p === undefined
          ? null
          : {
              transport: p.transport,
              connected: p.connected,
              lastAckAt: this.lastAckAt,
              resultsPerSecond: rate(last?.delivered, first?.delivered),
              rowsDelivered: p.stats.rowsDelivered,
              rowsDeadLettered: p.stats.rowsDeadLettered,
              lastError: p.stats.lastError === null ? null : withoutUrlCredentials(p.stats.lastError.message),
            },
      models: this.sources.models(),
      warnings: this.warnings.list(),
      warningsDropped: this.warnings.dropped,
      console: { viewers, encodes: this.board.encodes, frameIntervalMs: this.frameIntervalMs },
    };
  }
}
