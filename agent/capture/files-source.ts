/**
 * Replays image files as frames: a directory (its .jpg/.jpeg/.png/.webp files) or a glob, at a set
 * rate, once or looping. For tests, demos, and sites that drop images into a folder: a looping
 * source lists the files again at each pass, so new drops are picked up. Files are delivered as
 * bytes; a file that does not decode (a truncated JPEG) is the preprocessor's to reject.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { describeError } from '../errors/agent-error.js';
import { BaseFrameSource } from './base-source.js';
import { captureErrors } from './errors.js';
import { maxFrameBytes } from './fixed-values.js';
import { requirePositive, type CaptureContext } from './source-options.js';

/** Options of `type: files` (the config's `source` keys, resolved). */
export interface FilesSourceOptions {
  type: 'files';
  name: string;
  /** A directory or a single file; with `glob`, the directory the glob is relative to. */
  path?: string;
  /** A glob such as `/data/drop/*.jpg`. One of `path` and `glob` is needed. */
  glob?: string;
  /** Files replayed per second. */
  fps: number;
  /** Start again after the last file; false ends the source after one pass. */
  loop: boolean;
}

/** The one path or glob `options` name: the glob is relative to `path` when both are given. */
export function filesPattern(options: Pick<FilesSourceOptions, 'name' | 'path' | 'glob'>): string {
  if (options.glob !== undefined) return options.path !== undefined ? join(options.path, options.glob) : options.glob;
  if (options.path !== undefined) return options.path;
  throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(`Expected path or glob for files source "${options.name}" but received neither`, { source: options.name, key: 'path' });
}

const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const globCharacters = /[*?[\]{}]/;

/**
 * The files a path names, sorted by name with numbers in numeric order (`img2` before `img10`).
 * Only regular files count: a glob's or folder's devices, FIFOs and sockets are left out, and a
 * `path` that is itself one (`/dev/zero`) is refused with EDGE_CAPTURE_INVALID_OPTION, since
 * reading it would never end or would block.
 */
export async function listImageFiles(path: string, sourceName = 'files'): Promise<string[]> {
  let files: string[];
  if (globCharacters.test(path)) {
    const matched = await glob([path], { absolute: true, onlyFiles: true });
    const kinds = await Promise.all(matched.map((f) => stat(f).then((i) => i.isFile(), () => false)));
    files = matched.filter((_, i) => kinds[i] === true);
  } else {
    const full = resolve(path);
    const info = await stat(full).catch(() => undefined);
    if (info === undefined) return [];
    if (info.isFile()) return [full];
    if (!info.isDirectory()) {
      throw captureErrors.EDGE_CAPTURE_INVALID_OPTION(
        `Expected path of files source "${sourceName}" to be a directory, an image file or a glob but ${full} is ${specialKind(info)}`,
        { source: sourceName, key: 'path', path: full },
      );
    }
    const entries = await readdir(full, { withFileTypes: true });
    files = entries.filter((e) => e.isFile() && imageExtensions.has(extname(e.name).toLowerCase())).map((e) => join(full, e.name));
  }
  return files.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function specialKind(info: { isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads one image file, refusing anything but a regular file of at most `maxBytes` (checked on the
 * open descriptor, so a file swapped for a FIFO or a device after listing is not read).
 */
export async function readImageFile(file: string, maxBytes: number = maxFrameBytes): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${file} is ${specialKind(info)}, not a regular file`);
    if (info.size > maxBytes) throw new Error(`${file} has ${info.size} bytes, more than the ${maxBytes} a frame may have`);
    const data = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(data, 0, info.size, 0);
    return bytesRead === info.size ? data : data.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A FrameSource over image files; see the module comment. */
export class FilesSource extends BaseFrameSource {
  private readonly intervalMs: number;
  private readonly loop: boolean;
  private readonly pattern: string;
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private sleeping: { cancel: () => void; wake: () => void } | undefined;

  constructor(options: FilesSourceOptions, context: CaptureContext) {
    super(options.name, 'files', context);
    requirePositive(options.fps, 'fps', options.name);
    this.intervalMs = 1000 / options.fps;
    this.loop = options.loop;
    this.pattern = filesPattern(options);
  }

  /** Lists the files and delivers the first; rejects when none match. */
  async start(): Promise<void> {
    if (this.counters.state !== 'idle') return;
    this.setState('starting');
    let files: string[];
    try {
      files = await this.listFiles();
    } catch (err) {
      this.end('stopped');
      throw err;
    }
    if (files.length === 0) {
      this.end('stopped');
      throw captureErrors.EDGE_CAPTURE_NO_FILES(
        `Expected image files (${[...imageExtensions].join(', ')}) at ${this.pattern} for source "${this.name}" but found none`,
        { source: this.name, path: this.pattern },
      );
    }
    this.setState('running');
    const first = this.nextFrame();
    this.loopDone = this.play(files).catch((err: unknown) => this.log.error({ err: describeError(err) }, 'files source failed'));
    // Resolves at the first frame, or when the pass ended without one (every file unreadable).
    await Promise.race([first, this.loopDone]);
  }

  /** Stops replaying; the file being read is still delivered only if the source was not stopped. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.sleeping?.wake();
    await this.loopDone;
    this.end('stopped');
  }

  private async play(firstList: string[]): Promise<void> {
    let files = firstList;
    let nextAt = Date.now();
    for (;;) {
      for (const file of files) {
        await this.sleep(nextAt - Date.now());
        if (this.stopping) return;
        nextAt = Math.max(nextAt + this.intervalMs, Date.now() - this.intervalMs);
        let data: Buffer;
        try {
          data = await readImageFile(file);
        } catch (err) {
          this.recordError(captureErrors.EDGE_CAPTURE_READ_FAILED(`Could not read ${file} for source "${this.name}": ${describeError(err)}`, { source: this.name, file }));
          continue;
        }
        if (this.stopping) return;
        this.deliver({ kind: 'encoded', data });
      }
      if (!this.loop) {
        this.end('ended');
        return;
      }
      files = await this.listFiles();
      if (files.length === 0) {
        this.recordError(captureErrors.EDGE_CAPTURE_NO_FILES(`No image files left at ${this.pattern} for source "${this.name}"; waiting for some`, { source: this.name }));
        await this.sleep(Math.max(this.intervalMs, 1000));
        if (this.stopping) return;
        files = await this.listFiles();
      }
    }
  }

  private listFiles(): Promise<string[]> {
    return listImageFiles(this.pattern, this.name);
  }

  // Unpaced replay still yields to the event loop between frames, so consumers and timers run.
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.sleeping === undefined) return;
        this.sleeping.cancel();
        this.sleeping = undefined;
        resolve();
      };
      if (ms > 0) {
        const timer = setTimeout(wake, ms);
        this.sleeping = { cancel: () => clearTimeout(timer), wake };
      } else {
        const immediate = setImmediate(wake);
        this.sleeping = { cancel: () => clearImmediate(immediate), wake };
      }
    });
  }
}
