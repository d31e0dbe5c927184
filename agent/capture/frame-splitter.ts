/** How a process source turns its stdout bytes into images; MJPEG and fixed-size raw frames differ. */
export interface FrameSplitter {
  /** Adds a chunk of stdout and returns the frames it completed. */
  push(chunk: Buffer): Buffer[];
  /** Bytes thrown away so far (garbage, oversized or partial frames). */
  readonly droppedBytes: number;
  /** Frames dropped whole because they exceeded the maximum frame size. */
  readonly oversizedFrames: number;
}

/** Splits raw video (`-f rawvideo`) into frames of exactly `frameBytes` bytes. */
export class RawFrameSplitter implements FrameSplitter {
  /** Raw frames cannot be resynchronised, so nothing is ever dropped while the stream lives. */
  readonly droppedBytes = 0;
  /** Raw frames have a fixed size, so none is ever oversized. */
  readonly oversizedFrames = 0;
  private parts: Buffer[] = [];
  private held = 0;

  constructor(private readonly frameBytes: number) {}

  /** Adds a chunk and returns each whole frame it completed. */
  push(chunk: Buffer): Buffer[] {
    this.parts.push(chunk);
    this.held += chunk.length;
    const frames: Buffer[] = [];
    if (this.held < this.frameBytes) return frames;
    let all = Buffer.concat(this.parts, this.held);
    while (all.length >= this.frameBytes) {
      frames.push(Buffer.from(all.subarray(0, this.frameBytes)));
      all = all.subarray(this.frameBytes);
    }
    this.parts = all.length > 0 ? [all] : [];
    this.held = all.length;
    return frames;
  }
}
