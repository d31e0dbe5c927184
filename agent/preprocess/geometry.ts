/**
 * Where a source image lands inside the model's input, and the way back: decoders map boxes
 * through this so results are in source-image pixels whatever the resize mode.
 */
import type { LetterboxAlign, ResizeMode } from '../models/manifest.js';

/** How a source image of one size was fitted into a model input of another. */
export interface FrameGeometry {
  sourceWidth: number;
  sourceHeight: number;
  inputWidth: number;
  inputHeight: number;
  /** Size of the resized image inside the input (the rest is padding). */
  contentWidth: number;
  contentHeight: number;
  /** Offset of the content inside the input. */
  offsetX: number;
  offsetY: number;
  /** Input pixels per source pixel, per axis (equal for letterbox). */
  scaleX: number;
  scaleY: number;
}

/** Plans the resize of a source image into a `inputWidth` x `inputHeight` input. */
export function planGeometry(sourceWidth: number, sourceHeight: number, inputWidth: number, inputHeight: number, mode: ResizeMode, align: LetterboxAlign): FrameGeometry {
  if (mode === 'stretch') {
    return { sourceWidth, sourceHeight, inputWidth, inputHeight, contentWidth: inputWidth, contentHeight: inputHeight, offsetX: 0, offsetY: 0, scaleX: inputWidth / sourceWidth, scaleY: inputHeight / sourceHeight };
  }
  const r = Math.min(inputWidth / sourceWidth, inputHeight / sourceHeight);
  const contentWidth = Math.max(1, Math.min(inputWidth, Math.round(sourceWidth * r)));
  const contentHeight = Math.max(1, Math.min(inputHeight, Math.round(sourceHeight * r)));
  const offsetX = align === 'center' ? Math.floor((inputWidth - contentWidth) / 2) : 0;
  const offsetY = align === 'center' ? Math.floor((inputHeight - contentHeight) / 2) : 0;
  return { sourceWidth, sourceHeight, inputWidth, inputHeight, contentWidth, contentHeight, offsetX, offsetY, scaleX: r, scaleY: r };
}

/** Maps an x coordinate in input pixels back to source pixels (not clipped). */
export function toSourceX(g: FrameGeometry, x: number): number {
  return (x - g.offsetX) / g.scaleX;
}

/** Maps a y coordinate in input pixels back to source pixels (not clipped). */
export function toSourceY(g: FrameGeometry, y: number): number {
  return (y - g.offsetY) / g.scaleY;
}
