/** Shared pieces of the capture tests: fake-camera PATH, generated JPEGs, and waiting without timing assertions. */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import sharp from 'sharp';
import { silentLogger } from '../../agent/log/logger.js';
import type { CaptureContext } from '../../agent/capture/source-options.js';
import { repoRoot } from '../helpers/shared.js';

/** test/fixtures/bin, holding the fake rpicam-vid, rpicam-still and raspistill. */
export const fakeBin = join(repoRoot, 'test', 'fixtures', 'bin');

/** PATH with the fakes first, so the real lookup and spawn code finds them. */
export const fakePath = [fakeBin, process.env['PATH'] ?? ''].join(delimiter);

/** A capture context over `searchPath` with a silent logger; `devDir` is where `auto` lists video devices. */
export function captureContext(searchPath: string = fakePath, devDir = '/dev'): CaptureContext {
  return { logger: silentLogger(), searchPath, devDir };
}

/** Timing for tests: generous open and stall timeouts (no speed is asserted), short restart backoff. */
export const testTiming = { openTimeoutMs: 30_000, stallTimeoutMs: 30_000, restartBackoffInitialMs: 50, restartBackoffMaxMs: 200 };

/** Writes `colors.length` real JPEGs (64x48, one colour each) into `dir` and returns their bytes in name order. */
export async function writeJpegs(dir: string, colors: string[] = ['red', 'green', 'blue']): Promise<Buffer[]> {
  mkdirSync(dir, { recursive: true });
  const out: Buffer[] = [];
  for (const [i, color] of colors.entries()) {
    const data = await sharp({ create: { width: 64, height: 48, channels: 3, background: color } }).jpeg({ quality: 90 }).toBuffer();
    await sharp(data).toFile(join(dir, `frame-${i}.jpg`));
    out.push(readFileSync(join(dir, `frame-${i}.jpg`)));
  }
  return out;
}

/** Points the fake cameras at their frames and run log; returns the runs directory. */
export function configureFakes(framesDir: string, runsDir: string, mode = 'ok'): void {
  mkdirSync(runsDir, { recursive: true });
  process.env['FAKE_CAMERA_FRAMES'] = framesDir;
  process.env['FAKE_CAMERA_RUNS'] = runsDir;
  process.env['FAKE_CAMERA_MODE'] = mode;
}

/** Every fake run recorded in `runsDir`: its pid, program and argv. */
export function fakeRuns(runsDir: string): { pid: number; program: string; argv: string[] }[] {
  return readdirSync(runsDir).map((f) => ({ pid: Number(f.replace('.json', '')), ...(JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as { program: string; argv: string[] }) }));
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `check` is true; the 30 s bound only stops a broken test from hanging, it asserts no speed. */
export async function waitFor(check: () => boolean, what: string, boundMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
