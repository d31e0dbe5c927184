/**
 * Calibration progress for a person at a terminal (one bar rewritten in place) or for a log file
 * (one plain line per image), so piped output never fills with carriage returns.
 */
import type { CalibrationOptions } from './calibrate.js';

/** The stream progress goes to: only `write` and whether it is a terminal matter. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const barWidth = 24;

/** An `onProgress` callback that draws a bar on a TTY and writes plain lines otherwise. */
export function calibrationProgress(stream: ProgressStream): NonNullable<CalibrationOptions['onProgress']> {
  const tty = stream.isTTY === true;
  return ({ pass, passes, done, total }) => {
    const label = `calibration pass ${pass}/${passes}`;
    if (!tty) {
      stream.write(`${label}: ${done}/${total} images\n`);
      return;
    }
    const filled = total === 0 ? barWidth : Math.round((done / total) * barWidth);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}`;
    stream.write(`\r${label} [${bar}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}
