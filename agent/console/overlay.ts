/**
 * Draws a frame's detections (boxes, labels with scores and track ids, landmarks, the recent path
 * of each track) and the camera's zones and lines onto the frame with sharp and encodes one JPEG:
 * the picture `/api/cameras/<name>/latest.jpg` and the page show. The overlay is an SVG the size
 * of the output, composited in one sharp pipeline (decode, resize, composite, encode), so a frame
 * is decoded once. Zones and lines are in normalized coordinates, boxes in source pixels.
 */
import sharp from 'sharp';
import type { FrameImage } from '../capture/frame.js';
import type { NormPoint } from '../pipeline/geometry.js';
import type { Detection, Point } from '../results/result-record.js';
import type { SceneView } from './scene-view.js';

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

/** Zone fills, apart from the label colours so a zone never looks like a box. */
const ZONE_PALETTE = ['#3b82f6', '#f59e0b', '#a855f7', '#14b8a6', '#ef4444', '#84cc16'];

/** The colour zone number `i` is drawn in (the page uses the same list). */
export function zoneColour(i: number): string {
  return ZONE_PALETTE[i % ZONE_PALETTE.length] as string;
}

/** Lines are drawn in one colour that stands out on most scenes. */
export const LINE_COLOUR = '#ffffff';

/** A track id as the labels show it: `#` and its last 4 characters (ULIDs end in random ones). */
export function shortTrackId(id: string): string {
  return `#${id.slice(-4)}`;
}

/**
 * The unit vector (in output pixels) pointing to the side a `forward` crossing of the line goes
 * to: `to - from` turned a quarter turn counter-clockwise as seen on the image (geometry.ts), so
 * for a line drawn top to bottom it points right.
 */
export function forwardNormal(from: NormPoint, to: NormPoint, width: number, height: number): [number, number] {
  const dx = (to[0] - from[0]) * width;
  const dy = (to[1] - from[1]) * height;
  const len = Math.hypot(dx, dy) || 1;
  return [dy / len, -dx / len];
}

/** Extras drawn beside the detections. */
export interface OverlayExtras {
  /** The camera's zones and lines. */
  scene?: SceneView | undefined;
  /** Objects now in each zone, shown after its name. */
  occupancy?: Readonly<Record<string, number>> | undefined;
  /** Recent bottom-centre positions (source pixels) of each track, oldest first. */
  trails?: ReadonlyMap<string, readonly Point[]> | undefined;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

const f1 = (v: number): string => v.toFixed(1);

/** A caption on a dark plate, so it reads on any background. */
function caption(text: string, x: number, y: number, font: number, colour: string, width: number): string {
  const w = Math.ceil(text.length * font * 0.62) + 8;
  const left = Math.max(0, Math.min(width - w, x));
  return (
    `<rect x="${f1(left)}" y="${f1(y - font)}" width="${w}" height="${font + 6}" rx="3" fill="#000" fill-opacity="0.55"/>` +
    `<text x="${f1(left + 4)}" y="${f1(y + 1)}" font-family="sans-serif" font-size="${font}" font-weight="bold" fill="${colour}">${escapeXml(text)}</text>`
  );
}

/** The zones (translucent fills with names and occupancy) and the lines (with their forward arrow). */
export function sceneSvg(scene: SceneView, width: number, height: number, occupancy: Readonly<Record<string, number>> = {}): string {
  const stroke = Math.max(2, Math.round(width / 320));
  const font = Math.max(12, Math.round(width / 55));
  const px = (p: NormPoint): [number, number] => [p[0] * width, p[1] * height];
  const zones = scene.zones.map((z, i) => {
    const colour = zoneColour(i);
    const pts = z.polygon.map(px);
    const cx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
    const top = Math.min(...pts.map((p) => p[1]));
    const n = occupancy[z.name];
    return (
      `<polygon points="${pts.map((p) => `${f1(p[0])},${f1(p[1])}`).join(' ')}" fill="${colour}" fill-opacity="0.28" stroke="${colour}" stroke-width="${stroke}" stroke-linejoin="round"/>` +
      caption(n === undefined ? z.name : `${z.name}: ${n}`, cx - (z.name.length * font * 0.31), Math.max(font + 2, top + font + 6), font, '#fff', width)
    );
  });
  const lines = scene.lines.map((l) => {
    const [x1, y1] = px(l.from);
    const [x2, y2] = px(l.to);
    const [nx, ny] = forwardNormal(l.from, l.to, width, height);
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    const reach = Math.max(24, Math.min(width, height) * 0.08);
    const tx = mx + nx * reach;
    const ty = my + ny * reach;
    const head = reach * 0.35;
    // The arrowhead: two strokes back from the tip, 30 degrees either side of the arrow.
    const back = (turn: number): string => {
      const a = Math.atan2(-ny, -nx) + turn;
      return `${f1(tx + Math.cos(a) * head)},${f1(ty + Math.sin(a) * head)}`;
    };
    return (
      `<line x1="${f1(x1)}" y1="${f1(y1)}" x2="${f1(x2)}" y2="${f1(y2)}" stroke="#000" stroke-opacity="0.6" stroke-width="${stroke * 2 + 2}" stroke-linecap="round"/>` +
      `<line x1="${f1(x1)}" y1="${f1(y1)}" x2="${f1(x2)}" y2="${f1(y2)}" stroke="${LINE_COLOUR}" stroke-width="${stroke * 2}" stroke-linecap="round"/>` +
      `<circle cx="${f1(x1)}" cy="${f1(y1)}" r="${stroke * 2 + 1}" fill="${LINE_COLOUR}" stroke="#000"/>` +
      `<polyline points="${f1(mx)},${f1(my)} ${f1(tx)},${f1(ty)}" stroke="${LINE_COLOUR}" stroke-width="${stroke * 2}" fill="none"/>` +
      `<polyline points="${back(Math.PI / 6)} ${f1(tx)},${f1(ty)} ${back(-Math.PI / 6)}" stroke="${LINE_COLOUR}" stroke-width="${stroke * 2}" fill="none" stroke-linejoin="round" stroke-linecap="round"/>` +
      caption(l.name, tx + (nx >= 0 ? 4 : -l.name.length * font * 0.62 - 12), ty + (ny >= 0 ? font + 4 : -4), font, LINE_COLOUR, width)
    );
  });
  return zones.join('') + lines.join('');
}

/** The SVG overlay for an output of `width` x `height`, with boxes given in source pixels scaled by `scale`. */
export function overlaySvg(detections: readonly DrawnDetection[], width: number, height: number, scale: number, extras: OverlayExtras = {}): string {
  const stroke = Math.max(2, Math.round(width / 320));
  const font = Math.max(12, Math.round(width / 50));
  const trails = [...(extras.trails ?? new Map<string, readonly Point[]>())].map(([id, pts]) => {
    if (pts.length < 2) return '';
    const colour = colourFor(detections.find((d) => d.trackId === id)?.label ?? '');
    return `<polyline points="${pts.map((p) => `${f1(p.x * scale)},${f1(p.y * scale)}`).join(' ')}" fill="none" stroke="${colour}" stroke-opacity="0.85" stroke-width="${stroke}" stroke-dasharray="${stroke * 3},${stroke * 2}" stroke-linejoin="round"/>`;
  });
  const parts = detections.map((d) => {
    const colour = colourFor(d.label);
    const x = Math.max(0, d.box.x * scale);
    const y = Math.max(0, d.box.y * scale);
    const w = Math.min(width - x, d.box.width * scale);
    const h = Math.min(height - y, d.box.height * scale);
    const text = `${d.label} ${Math.round(d.score * 100)}%${d.trackId === undefined ? '' : ` ${shortTrackId(d.trackId)}`}`;
    const caption = escapeXml(text);
    // Kept inside the picture: a box at the right edge has its caption pulled left.
    const tx = Math.max(0, Math.min(x + 2, width - text.length * font * 0.7 - 2));
    const ty = y > font + 4 ? y - 4 : y + font + 2;
    const dots = (d.landmarks ?? []).map((p) => `<circle cx="${(p.x * scale).toFixed(1)}" cy="${(p.y * scale).toFixed(1)}" r="${stroke + 1}" fill="${colour}"/>`).join('');
    return (
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" font-family="sans-serif" font-size="${font}" font-weight="bold" fill="${colour}" stroke="#000" stroke-width="0.6">${caption}</text>` +
      dots
    );
  });
  const scene = extras.scene === undefined ? '' : sceneSvg(extras.scene, width, height, extras.occupancy);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${scene}${trails.join('')}${parts.join('')}</svg>`;
}

/** The frame as a JPEG with `detections` (and `extras`) drawn on it; also the frame's upright size in source pixels. */
export async function renderOverlay(
  image: FrameImage,
  detections: readonly DrawnDetection[],
  options: OverlayOptions = overlayDefaults,
  extras: OverlayExtras = {},
): Promise<{ jpeg: Buffer; width: number; height: number; sourceWidth: number; sourceHeight: number }> {
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
  const sceneShown = extras.scene !== undefined && (extras.scene.zones.length > 0 || extras.scene.lines.length > 0);
  if (detections.length > 0 || sceneShown) pipeline = pipeline.composite([{ input: Buffer.from(overlaySvg(detections, width, height, scale, extras)), top: 0, left: 0 }]);
  const jpeg = await pipeline.jpeg({ quality: options.quality }).toBuffer();
  return { jpeg, width, height, sourceWidth: sw, sourceHeight: sh };
}

/**
 * `jpeg` (a picture `renderOverlay` made) with the zones and lines drawn over it: the variant of
 * latest.jpg for scripts, made only when asked for (the page draws the scene itself).
 */
export async function addScene(jpeg: Buffer, scene: SceneView, occupancy: Readonly<Record<string, number>>, options: OverlayOptions = overlayDefaults): Promise<Buffer> {
  const meta = await sharp(jpeg).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new Error('picture has no size');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${sceneSvg(scene, width, height, occupancy)}</svg>`;
  return await sharp(jpeg).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).jpeg({ quality: options.quality }).toBuffer();
}
