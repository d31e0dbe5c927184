/**
 * The seam between cameras and the frame loop. A source pushes frames to listeners as they come;
 * the loop keeps only the newest (see latest-frame.ts), so a slow model never builds a queue.
 */
import type { Frame } from './frame.js';

/** Where a source is in its life; `restarting` means waiting out a backoff after a failure. */
export type FrameSourceState = 'idle' | 'starting' | 'running' | 'restarting' | 'ended' | 'stopped';

/** Counters a source keeps for metrics and `/readyz`; all start at 0 and only grow. */
export interface FrameSourceStats {
  /** Frames delivered to listeners. */
  frames: number;
  /** Times the underlying process or capture was restarted after dying or stalling. */
  restarts: number;
  /** Times no frame came within the stall timeout (each also causes a restart). */
  stalls: number;
  /** Failures seen while running: process exits, unreadable files, oversized frames. */
  errors: number;
  /** Bytes thrown away by a stream parser: garbage between frames and oversized frames. */
  droppedBytes: number;
  state: FrameSourceState;
  /** Which backend actually runs, e.g. `rpicam-vid`, `rpicam-still`, `ffmpeg`, `files`. */
  backend: string;
  lastFrameAt: Date | undefined;
  /** Message of the latest runtime error, for `edge-agent doctor` and logs. */
  lastError: string | undefined;
}

/** Called with each frame; must not throw (a throwing listener is logged and counted). */
export type FrameListener = (frame: Frame) => void;

/** A camera or file replay that delivers frames until stopped. */
export interface FrameSource {
  /** Source name from config; copied into every Frame. */
  readonly name: string;
  /**
   * Checks binaries and devices, starts capturing and resolves once the first frame arrived.
   * Rejects with an AgentError (binary missing, no frame within the open timeout) instead of
   * hanging; after a successful start, failures are restarted with backoff and counted.
   */
  start(): Promise<void>;
  /** Stops capturing and kills every child process; resolves when they have exited. Idempotent. */
  stop(): Promise<void>;
  /** Adds a listener for frames; returns a function that removes it. */
  onFrame(listener: FrameListener): () => void;
  /** Adds a listener called once when the source ends by itself (a files source played once) or is stopped. */
  onEnd(listener: () => void): () => void;
  /** A snapshot of the counters. */
  stats(): FrameSourceStats;
}
