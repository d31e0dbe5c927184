/**
 * What the console reads from the running agent, as interfaces: the console sits just under the
 * composition root and is handed these, so it never imports the runtime. Reading them is cheap
 * (counters, an outbox status query) and happens once per console interval, never per frame.
 */
import type { FrameSourceStats } from '../capture/frame-source.js';
import type { Readiness } from '../health/readiness.js';
import type { OutboxStatus } from '../outbox/outbox.js';
import type { CameraLoopStats } from '../pipeline/camera-loop.js';
import type { DrainerStats } from '../publish/drainer.js';

/** One camera as the console sees it (a CameraLoop fits). */
export interface ConsoleCamera {
  readonly name: string;
  /** Present when the camera has a change gate. */
  readonly gate: unknown;
  stats(): CameraLoopStats;
  sourceStats(): FrameSourceStats;
}

/** A model in use: the configured id, the variant running for it and where it runs. */
export interface ModelInUse {
  id: string;
  variant: string;
  provider: string;
}

/** Everything the console shows besides pictures. */
export interface ConsoleSources {
  readonly deviceId: string;
  cameras(): readonly ConsoleCamera[];
  outboxStatus(): OutboxStatus;
  /** Undefined with `publish.transport: none`. */
  publisher(): { transport: string; connected: boolean; stats: DrainerStats } | undefined;
  models(): ModelInUse[];
  readiness(): Readiness;
}
