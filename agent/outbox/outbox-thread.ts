/**
 * The outbox's background thread: a worker thread that does the outbox's slow disk work off the
 * event loop, one job at a time in the order asked: WAL checkpoints on its own SQLite connection
 * (checkpoint-worker.ts), and the seq mark's temporary file and directory syncs
 * (seq-mark-writer.ts). One thread for both, so a close can wait for everything still on its way
 * to the outbox's files and no descriptor of them outlives the close (an unmount, a file moved
 * aside). It starts at the first job, so a short-lived command never starts it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describeError } from '../errors/agent-error.js';
import type { OutboxSynchronous } from './options.js';

/** What a checkpoint found and did. */
export interface CheckpointResult {
  /** WAL pages found, and copied into the database (fewer when a reader held some). */
  log: number;
  checkpointed: number;
  /** The checkpoint's own time on the background thread, ms. */
  ms: number;
}

/** A job for the thread. */
type Job = { kind: 'checkpoint' } | { kind: 'writeSynced'; path: string; body: string } | { kind: 'syncDirectory'; path: string };

/** The thread's answer to one job. */
interface Reply {
  ok: boolean;
  error: string;
  log: number;
  checkpointed: number;
  ms: number;
}

/**
 * The thread's code, CommonJS, run with `eval` so that the bundle (deploy/build) needs no second
 * entry point; it loads the same better-sqlite3 the outbox uses, from the path it is given. The
 * connection runs at the outbox's `synchronous`, so a checkpoint syncs as SQLite's own would:
 * the WAL before copying, the database before the WAL may be reused.
 */
const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
let db = null;
function run(job) {
  if (job.kind === 'checkpoint') {
    if (db === null) {
      db = new Database(workerData.path, { fileMustExist: true, timeout: 1000 });
      db.pragma('synchronous = ' + workerData.synchronous);
      db.pragma('cache_size = -64');
      db.pragma('wal_autocheckpoint = 0');
    }
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    return { log: r.log, checkpointed: r.checkpointed };
  }
  const fd = fs.openSync(job.path, job.kind === 'writeSynced' ? 'w' : 'r');
  try {
    if (job.kind === 'writeSynced') {
      fs.writeFileSync(fd, job.body);
      fs.fdatasyncSync(fd);
    } else {
      try { fs.fsyncSync(fd); } catch {}
    }
  } finally {
    fs.closeSync(fd);
  }
  return { log: 0, checkpointed: 0 };
}
parentPort.on('message', (job) => {
  if (job === 'close') {
    try { if (db !== null) db.close(); } catch {}
    const closed = new Int32Array(workerData.closed);
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    parentPort.close();
    return;
  }
  const started = performance.now();
  try {
    const r = run(job);
    parentPort.postMessage({ ok: true, error: '', log: r.log, checkpointed: r.checkpointed, ms: performance.now() - started });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String((err && err.message) || err), log: 0, checkpointed: 0, ms: performance.now() - started });
  }
});
`;

/** Longest a close waits for the thread to finish its jobs and close its connection. */
const closeWaitMs = 10_000;

/** Where better-sqlite3 is loaded from: as the bundle's banner does, the runtime component's modules first, else beside this file. */
function driverPath(): string {
  const runtimeModules = join(dirname(process.execPath), '..', 'lib', 'node_modules');
  const base = existsSync(join(runtimeModules, 'onnxruntime-node')) ? join(runtimeModules, 'edge-agent.cjs') : import.meta.url;
  return createRequire(base).resolve('better-sqlite3');
}

/** Runs the outbox's background jobs on one worker thread; every job's promise settles, none rejects after a close without a reason. */
export class OutboxThread {
  private worker: Worker | null = null;
  private closed = false;
  private failure: string | null = null;
  private readonly pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  /** Set to 1 by the thread once its connection is closed. */
  private readonly closedFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly databasePath: string,
    private readonly synchronous: OutboxSynchronous,
  ) {}

  /**
   * Starts the thread now instead of at its first job. A long-running agent does, so the thread's
   * memory (its own V8 isolate, about 6 MB) is paid at start-up and not later, where it would look
   * like growth; a short-lived command never calls this.
   */
  start(): void {
    if (this.worker === null && !this.closed && this.failure === null) this.spawn();
  }

  /** True while the worker thread exists (started and not ended). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** A PASSIVE checkpoint on the thread's own connection. */
  async checkpoint(): Promise<CheckpointResult> {
    const r = await this.submit({ kind: 'checkpoint' });
    return { log: r.log, checkpointed: r.checkpointed, ms: r.ms };
  }

  /** Writes `body` to `path` (created or truncated) and fdatasyncs it. */
  async writeSynced(path: string, body: string): Promise<void> {
    await this.submit({ kind: 'writeSynced', path, body });
  }

  /** fsyncs a directory, so a rename in it is durable; a file system that refuses counts as done. */
  async syncDirectory(path: string): Promise<void> {
    await this.submit({ kind: 'syncDirectory', path });
  }

  /**
   * Lets the thread finish the jobs it has, close its connection and end, waiting at most
   * `closeWaitMs`: once the outbox is closed, nothing of it holds the files open. Jobs asked
   * for after this are refused.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.worker !== null) {
      this.worker.postMessage('close');
      Atomics.wait(this.closedFlag, 0, 0, closeWaitMs);
    }
  }

  private submit(job: Job): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('the outbox is closed'));
    if (this.failure !== null) return Promise.reject(new Error(this.failure));
    const worker = this.worker ?? this.spawn();
    if (worker === null) return Promise.reject(new Error(this.failure ?? 'the outbox thread could not start'));
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      worker.postMessage(job);
    }).then((r) => {
      if (!r.ok) throw new Error(r.error);
      return r;
    });
  }

  private spawn(): Worker | null {
    try {
      const worker = new Worker(threadSource, { eval: true, workerData: { driver: driverPath(), closed: this.closedFlag.buffer, path: this.databasePath, synchronous: this.synchronous.toUpperCase() } });
      // Never keeps the process alive: a checkpoint left undone is done by SQLite at close or at
      // the next start, and a mark left unwritten is covered by the one before it.
      worker.unref();
      worker.on('message', (reply: Reply) => this.pending.shift()?.resolve(reply));
      worker.on('error', (err) => this.broken(describeError(err)));
      worker.on('exit', () => {
        this.worker = null;
        this.broken('the outbox thread ended');
      });
      this.worker = worker;
      return worker;
    } catch (err) {
      this.broken(describeError(err));
      return null;
    }
  }

  /** The thread failed (it could not start or load SQLite): every job on its way and later is refused. */
  private broken(problem: string): void {
    if (!this.closed) this.failure ??= problem;
    for (const p of this.pending.splice(0)) p.reject(new Error(problem));
  }
}
