/**
 * Cuts a byte stream of concatenated JPEGs (MJPEG from ffmpeg, rpicam-vid, gst-launch) into
 * whole frames. It walks JPEG marker segments by their lengths instead of searching for the first
 * FF D9, because an EXIF thumbnail inside APP1 carries its own SOI/EOI and would cut a frame short.
 * Bytes before a SOI are garbage and are dropped and counted; a frame growing past `maxFrameBytes`
 * is dropped whole, so a stream that never sends EOI cannot grow the buffer without bound.
 */
import { maxFrameBytes as fixedMaxFrameBytes } from './fixed-values.js';
import type { FrameSplitter } from './frame-splitter.js';

const soi = Buffer.from([0xff, 0xd8]);

// Markers without a length field: TEM, RST0-7, SOI, EOI.
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);
}

/** Splits concatenated JPEGs; see the module comment for the rules. */
export class MjpegSplitter implements FrameSplitter {
  /** Bytes dropped: garbage outside frames plus oversized frames. */
  droppedBytes = 0;
  /** Frames dropped because they exceeded `maxFrameBytes`. */
  oversizedFrames = 0;

  private buffer: Buffer = Buffer.alloc(0);
  // Parse position inside `buffer`, kept across pushes so each byte is scanned once.
  private pos = 0;
  private inFrame = false;
  private inEntropyData = false;

  constructor(private readonly maxFrameBytes: number = fixedMaxFrameBytes) {}

  /** Adds a chunk and returns every frame it completed, each a copy independent of the stream. */
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      if (!this.inFrame && !this.findStart()) break;
      const end = this.scanFrame();
      if (end === 'corrupt') continue;
      if (end === 'incomplete') {
        if (this.buffer.length > this.maxFrameBytes) this.dropOversized();
        break;
      }
      frames.push(Buffer.from(this.buffer.subarray(0, end)));
      this.buffer = this.buffer.subarray(end);
      this.resetFrameState();
    }
    return frames;
  }

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.buffer.length;
  }

  // Drops bytes before the next FF D8; keeps a trailing FF that may begin one in the next chunk.
  private findStart(): boolean {
    const at = this.buffer.indexOf(soi);
    if (at < 0) {
      const keep = this.buffer.length > 0 && this.buffer[this.buffer.length - 1] === 0xff ? 1 : 0;
      this.drop(this.buffer.length - keep);
      return false;
    }
    this.drop(at);
    this.inFrame = true;
    this.pos = 2;
    return true;
  }

  // Returns the end offset (after EOI) of the frame at the buffer's start.
  private scanFrame(): number | 'incomplete' | 'corrupt' {
    const b = this.buffer;
    while (this.pos < b.length) {
      if (this.inEntropyData) {
        const ff = b.indexOf(0xff, this.pos);
        if (ff < 0 || ff + 1 >= b.length) {
          this.pos = ff < 0 ? b.length : ff;
          return 'incomplete';
        }
        const next = b[ff + 1] as number;
        // FF 00 is a stuffed data byte, RSTn sit inside scans, FF FF is fill before a marker.
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
          this.pos = next === 0xff ? ff + 1 : ff + 2;
          continue;
        }
        this.inEntropyData = false;
        this.pos = ff;
        continue;
      }
      if (this.pos + 1 >= b.length) return 'incomplete';
      if (b[this.pos] !== 0xff) return this.resync();
      const marker = b[this.pos + 1] as number;
      if (marker === 0xff) {
        this.pos += 1;
        continue;
      }
      if (marker === 0xd9) return this.pos + 2;
      if (marker === 0xd8) return this.resync();
      if (isStandalone(marker)) {
        this.pos += 2;
        continue;
      }
      if (this.pos + 3 >= b.length) return 'incomplete';
      const length = b.readUInt16BE(this.pos + 2);
      if (length < 2) return this.resync();
      const segmentEnd = this.pos + 2 + length;
      if (segmentEnd > b.length) return 'incomplete';
      this.pos = segmentEnd;
      if (marker === 0xda) this.inEntropyData = true;
    }
    return 'incomplete';
  }

  // A corrupt header: abandon this frame and look for the next SOI after its start.
  private resync(): 'corrupt' {
    this.drop(1);
    this.resetFrameState();
    return 'corrupt';
  }

  private dropOversized(): void {
    this.oversizedFrames += 1;
    this.drop(this.buffer.length);
    this.resetFrameState();
  }

  private drop(n: number): void {
    if (n <= 0) return;
    this.droppedBytes += n;
    this.buffer = this.buffer.subarray(n);
  }

  private resetFrameState(): void {
    this.inFrame = false;
    this.inEntropyData = false;
    this.pos = 0;
  }
}
