/**
 * Slow storage on demand: an LD_PRELOAD shim, compiled with gcc when a benchmark starts, that
 * sleeps before every fsync and fdatasync (as a common SD card does under load) and then calls the
 * real one. The delay is read once from EDGE_BENCH_FSYNC_DELAY_MS in the process it is loaded into.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../../agent/support/executables.js';

const source = String.raw`
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static long delay_ms = -1;

static void slow_down(void) {
  if (delay_ms < 0) {
    const char *s = getenv("EDGE_BENCH_FSYNC_DELAY_MS");
    delay_ms = s == NULL ? 0 : atol(s);
  }
  if (delay_ms <= 0) return;
  struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) != 0) {}
}

int fsync(int fd) {
  static int (*real)(int) = NULL;
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  slow_down();
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int) = NULL;
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  slow_down();
  return real(fd);
}
`;

/** Compiles the shim into a fresh temp folder and returns the .so path for LD_PRELOAD. */
export function buildSlowFsyncShim(): string {
  const gcc = findExecutable('gcc', process.env['PATH'] ?? '');
  if (gcc === undefined) throw new Error('gcc not found on PATH; the slow-storage benchmark compiles its fsync shim with it; install it with `apt-get install gcc`');
  const dir = mkdtempSync(join(tmpdir(), 'slow-fsync-'));
  const c = join(dir, 'slow-fsync.c');
  const so = join(dir, 'slow-fsync.so');
  writeFileSync(c, source);
  execFileSync(gcc, ['-shared', '-fPIC', '-O2', '-o', so, c, '-ldl'], { stdio: 'pipe' });
  return so;
}

/** The environment of a child process whose fsync and fdatasync each take `delayMs` longer. */
export function slowFsyncEnv(shim: string, delayMs: number): NodeJS.ProcessEnv {
  const preload = [shim, process.env['LD_PRELOAD']].filter((p) => p !== undefined && p !== '').join(':');
  return { ...process.env, LD_PRELOAD: preload, EDGE_BENCH_FSYNC_DELAY_MS: String(delayMs) };
}
