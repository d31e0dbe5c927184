/**
 * Runs one long-lived camera process (rpicam-vid, ffmpeg, gst-launch-1.0) whose stdout is a stream
 * of frames, and keeps it alive: a process that exits, or sends no frame within the stall timeout,
 * is killed and respawned after an exponential backoff, and both are counted. Spawned with an
 * argument array (never a shell), so config values cannot inject commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AgentError } from '../errors/agent-error.js';
import { Backoff } from '../support/backoff.js';
import { BaseFrameSource } from './base-source.js';
import { captureErrors } from './errors.js';
import type { FoundExecutable } from './executable.js';
import type { FrameSplitter } from './frame-splitter.js';
import type { FrameImage } from './frame.js';
import { killTimeoutMs } from './fixed-values.js';
import { withoutUrlCredentials } from '../support/redact.js';
import { backoffBounds, type CaptureContext, type SourceTiming } from './source-options.js';

/** The program and arguments of one run; resolved at start so a missing binary fails there. */
export interface ProcessCommand {
  executable: FoundExecutable;
  args: string[];
}

/** How a process source is built: its command, how to cut stdout into images, and its timing. */
export interface ProcessStreamSpec {
  name: string;
  /** Finds the binary and builds the arguments; throws EDGE_CAPTURE_BINARY_NOT_FOUND. */
  resolveCommand: () => ProcessCommand;
  /** A fresh splitter for each run, so a half frame from a dead process is never glued to the next. */
  createSplitter: () => FrameSplitter;
  /** Wraps split bytes as a frame image (encoded JPEG, or raw pixels with their size). */
  toImage: (bytes: Buffer) => FrameImage;
  timing: SourceTiming;
  /** The bound the splitter enforces, named in the error when a frame exceeds it. */
  maxFrameBytes: number;
}

const stderrTailChars = 2000;

/** A FrameSource over a supervised child process; see the module comment. */
export class ProcessStreamSource extends BaseFrameSource {
  private child: ChildProcess | undefined;
  private splitter: FrameSplitter | undefined;
  private command: ProcessCommand | undefined;
  private runId = 0;
  private framesThisRun = 0;
  private readonly backoff: Backoff;
  private watchdog: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stderrTail = '';
  private droppedBeforeRun = 0;
  private opening: { resolve: () => void; reject: (err: AgentError) => void } | undefined;

  constructor(private readonly spec: ProcessStreamSpec, context: CaptureContext, backend: string) {
    super(spec.name, backend, context);
    this.backoff = new Backoff(backoffBounds(spec.timing));
  }

  /** The command line of the current run, for logs and tests. */
  get commandLine(): string[] | undefined {
    return this.command === undefined ? undefined : [this.command.executable.path, ...this.command.args];
  }

  /** Resolves at the first frame; rejects if the binary is missing or the process exits or stays silent. */
  async start(): Promise<void> {
    if (this.counters.state !== 'idle') return;
    this.setState('starting');
    try {
      this.command = this.spec.resolveCommand();
    } catch (err) {
      this.end('stopped');
      throw err;
    }
    this.counters.backend = this.command.executable.name;
    const opened = new Promise<void>((resolve, reject) => {
      this.opening = { resolve, reject };
    });
    this.spawnRun();
    try {
      await opened;
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  /** Kills the process (SIGTERM, then SIGKILL after fixed-values' killTimeoutMs) and cancels any pending restart. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    const opening = this.opening;
    if (opening !== undefined) {
      this.opening = undefined;
      opening.reject(captureErrors.EDGE_CAPTURE_OPEN_FAILED(`Source "${this.name}" was stopped before its first frame`, { source: this.name }));
    }
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.watchdog);
    clearTimeout(this.restartTimer);
    await this.kill(this.child);
    this.end('stopped');
  }

  private spawnRun(): void {
    const command = this.command as ProcessCommand;
    const runId = ++this.runId;
    this.framesThisRun = 0;
    this.stderrTail = '';
    if (this.splitter !== undefined) this.droppedBeforeRun += this.splitter.droppedBytes;
    const splitter = this.spec.createSplitter();
    this.splitter = splitter;
    this.log.debug({ argv: [command.executable.path, ...command.args].map(withoutUrlCredentials) }, 'spawning camera process');
    const child = spawn(command.executable.path, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const current = (): boolean => runId === this.runId && !this.stopping;

    child.stdout?.on('data', (chunk: Buffer) => {
      if (!current()) return;
      const oversizedBefore = splitter.oversizedFrames;
      for (const bytes of splitter.push(chunk)) this.onFrameBytes(bytes);
      this.counters.droppedBytes = this.droppedBeforeRun + splitter.droppedBytes;
      if (splitter.oversizedFrames > oversizedBefore) {
        this.recordError(captureErrors.EDGE_CAPTURE_FRAME_TOO_LARGE(
          `${command.executable.name} for source "${this.name}" sent a frame larger than maxFrameBytes ${this.spec.maxFrameBytes}; it was dropped`,
          { source: this.name, maxFrameBytes: this.spec.maxFrameBytes },
        ));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-stderrTailChars);
    });
    // Errors on the pipes surface again as 'close'; listening keeps them from crashing the agent.
    child.stdout?.on('error', () => undefined);
    child.stderr?.on('error', () => undefined);
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      if (!current()) return;
      const how = spawnError !== undefined ? `failed to run (${spawnError.message})` : signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      this.runFailed(
        captureErrors.EDGE_CAPTURE_PROCESS_EXITED(`${command.executable.name} for source "${this.name}" ${how}${this.stderrSuffix()}`, {
          source: this.name, code, signal, stderr: withoutUrlCredentials(this.stderrTail),
        }),
        false,
      );
    });
    this.watchdog = setTimeout(() => {
      if (!current()) return;
      const what = this.framesThisRun === 0 ? `its first frame within openTimeoutMs ${this.spec.timing.openTimeoutMs}` : `a frame within stallTimeoutMs ${this.spec.timing.stallTimeoutMs}`;
      this.runFailed(
        captureErrors.EDGE_CAPTURE_STALLED(`${command.executable.name} for source "${this.name}" did not deliver ${what}${this.stderrSuffix()}`, {
          source: this.name, stderr: withoutUrlCredentials(this.stderrTail),
        }),
        true,
      );
    }, this.spec.timing.openTimeoutMs);
  }

  private onFrameBytes(bytes: Buffer): void {
    this.framesThisRun += 1;
    if (this.framesThisRun === 1) {
      // A good run resets the backoff, and the stall clock takes over from the open clock.
      this.backoff.reset();
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => this.watchdogFired(), this.spec.timing.stallTimeoutMs);
      this.setState('running');
      const opening = this.opening;
      this.opening = undefined;
      opening?.resolve();
    } else {
      this.watchdog?.refresh();
    }
    this.deliver(this.spec.toImage(bytes));
  }

  private watchdogFired(): void {
    if (this.stopping) return;
    const name = this.command?.executable.name ?? 'camera process';
    this.runFailed(
      captureErrors.EDGE_CAPTURE_STALLED(`${name} for source "${this.name}" delivered no frame within stallTimeoutMs ${this.spec.timing.stallTimeoutMs}${this.stderrSuffix()}`, {
        source: this.name, stderr: withoutUrlCredentials(this.stderrTail),
      }),
      true,
    );
  }

  // Ends the current run; during start it fails start(), afterwards it schedules a restart.
  private runFailed(reason: AgentError, stalled: boolean): void {
    clearTimeout(this.watchdog);
    const failedChild = this.child;
    this.runId += 1; // ignore any late events of the failed run
    const opening = this.opening;
    if (opening !== undefined) {
      this.opening = undefined;
      opening.reject(
        captureErrors.EDGE_CAPTURE_OPEN_FAILED(`Could not open source "${this.name}": ${reason.message}`, { source: this.name, cause: reason.code }, reason),
      );
      return;
    }
    this.restarting(stalled ? 'stalled' : 'exited', reason);
    const delayMs = this.backoff.next();
    this.log.info({ delayMs, restarts: this.counters.restarts }, 'restarting camera process after backoff');
    this.kill(failedChild)
      .then(() => {
        if (this.stopping) return;
        this.restartTimer = setTimeout(() => {
          if (!this.stopping) this.spawnRun();
        }, delayMs);
      })
      .catch((err: unknown) => this.log.error({ err }, 'could not kill camera process'));
  }

  // SIGTERM first so cameras release the sensor cleanly; SIGKILL if that is ignored.
  private async kill(child: ChildProcess | undefined): Promise<void> {
    if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const escalate = setTimeout(() => child.kill('SIGKILL'), killTimeoutMs);
    await exited;
    clearTimeout(escalate);
  }

  private stderrSuffix(): string {
    const tail = withoutUrlCredentials(this.stderrTail).trim().split('\n').slice(-3).join(' | ');
    return tail === '' ? '' : `; stderr: ${tail}`;
  }
}
