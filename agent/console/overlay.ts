/**
 * Draws a frame's detections (boxes, labels, scores, landmarks) onto the frame with sharp and
 * encodes one JPEG: the picture `/api/cameras/<name>/latest.jpg` and the page show. The overlay
 * is an SVG the size of the output, composited in one sharp pipeline (decode, resize, composite,
 * encode), so a frame is decoded once.
 */
import sharp from 'sharp';
import type { FrameImage } from '../capture/frame.js';
import type { Detection } from '../results/result-record.js';

/** One detection and the model that made it. */
export interface DrawnDetection extends Detection {
  model: string;
}

/** How the picture is encoded. */
export interface OverlayOptions {
  /** Wider frames are scaled down to this width (a phone needs no 4K picture). */
  maxWidth: number;
  quality: number;
}

/** The defaults the console uses: a picture small enough to push every second over Wi-Fi. */
export const overlayDefaults: OverlayOptions = { maxWidth: 1280, quality: 75 };

/** Distinct, bright stroke colours; a label keeps its colour across frames. */
const PALETTE = ['#00ff66', '#ff2d95', '#ffd400', '#00c8ff', '#ff7a00', '#b26bff'];

/** The colour a label is drawn in. */
export function colourFor(label: string): string {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length] as string;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** The SVG overlay for an output of `width` x `height`, with boxes given in source pixels scaled by `scale`. */
export function overlaySvg(detections: readonly DrawnDetection[], width: number, height: number, scale: number): string {
  const stroke = Math.max(2, Math.round(width / 320));
  const font = Math.max(12, Math.round(width / 50));
  const parts = detections.map((d) => {
    const colour = colourFor(d.label);
    const x = Math.max(0, d.box.x * scale);
    const y = Math.max(0, d.box.y * scale);
    const w = Math.min(width - x, d.box.width * scale);
    const h = Math.min(height - y, d.box.height * scale);
    const caption = escapeXml(`${d.label} ${Math.round(d.score * 100)}%`);
    const ty = y > font + 4 ? y - 4 : y + font + 2;
    const dots = (d.landmarks ?? []).map((p) => `<circle cx="${(p.x * scale).toFixed(1)}" cy="${(p.y * scale).toFixed(1)}" r="${stroke + 1}" fill="${colour}"/>`).join('');
    return (
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<text x="${(x + 2).toFixed(1)}" y="${ty.toFixed(1)}" font-family="sans-serif" font-size="${font}" font-weight="bold" fill="${colour}" stroke="#000" stroke-width="0.6">${caption}</text>` +
      dots
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** The frame as a JPEG with `detections` drawn on it. */
export async function renderOverlay(image: FrameImage, detections: readonly DrawnDetection[], options: OverlayOptions = overlayDefaults): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const input = image.kind === 'raw' ? sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }) : sharp(image.data);
  // Boxes are in the upright image's pixels (preprocessing auto-orients), so size it the same way.
  const meta = image.kind === 'raw' ? undefined : await sharp(image.data).metadata();
  const sw = image.kind === 'raw' ? image.width : (meta?.autoOrient?.width ?? meta?.width ?? 0);
  const sh = image.kind === 'raw' ? image.height : (meta?.autoOrient?.height ?? meta?.height ?? 0);
  if (sw <= 0 || sh <= 0) throw new Error('frame has no size');
  const scale = Math.min(1, options.maxWidth / sw);
  const width = Math.max(1, Math.round(sw * scale));
  const height = Math.max(1, Math.round(sh * scale));
  let pipeline = input.autoOrient();
  if (scale < 1) pipeline = pipeline.resize(width, height);
  if (detections.length > 0) pipeline = pipeline.composite([{ input: Buffer.from(overlaySvg(detections, width, height, scale)), top: 0, left: 0 }]);
  const jpeg = await pipeline.jpeg({ quality: options.quality }).toBuffer();
  return { jpeg, width, height };
}
