/**
 * Runs a program that writes exactly one image to stdout and exits (rpicam-still), with the
 * output bounded by `maxFrameBytes` and the process killable mid-capture.
 */
import { spawn } from 'node:child_process';
import { withoutUrlCredentials } from '../support/redact.js';

/** One capture in flight: its result and a way to kill it. */
export interface StillCapture {
  /** Resolves with stdout when the program exits 0; rejects with a message naming the failure. */
  result: Promise<Buffer>;
  /** Kills the program (SIGTERM, then SIGKILL after `killTimeoutMs`); `result` then rejects. */
  abort(): void;
}

/** Spawns `path args` (no shell) and collects its stdout as one image. */
export function runStillCapture(name: string, path: string, args: string[], maxFrameBytes: number, killTimeoutMs: number): StillCapture {
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let stderr = '';
  let overflow = false;
  const abort = (): void => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, killTimeoutMs).unref();
  };
  const result = new Promise<Buffer>((resolve, reject) => {
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxFrameBytes) {
        overflow = true;
        abort();
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.stdout.on('error', () => undefined);
    child.stderr.on('error', () => undefined);
    // 'close' (not 'exit') so every byte of stdout has been read.
    child.on('close', (code, signal) => {
      const tail = withoutUrlCredentials(stderr).trim().split('\n').slice(-3).join(' | ');
      const suffix = tail === '' ? '' : `; stderr: ${tail}`;
      if (spawnError !== undefined) reject(new Error(`${name} failed to run (${spawnError.message})`));
      else if (overflow) reject(new Error(`${name} wrote more than maxFrameBytes ${maxFrameBytes}`));
      else if (code !== 0) reject(new Error(`${name} ${signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`}${suffix}`));
      else resolve(Buffer.concat(chunks, bytes));
    });
  });
  return { result, abort };
}

/** True when `data` starts with a JPEG SOI and ends with EOI (trailing padding allowed). */
export function isCompleteJpeg(data: Buffer): boolean {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return false;
  // Some encoders pad after EOI; look for it in the last bytes only.
  const tail = data.subarray(Math.max(0, data.length - 32));
  return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) >= 0;
}
