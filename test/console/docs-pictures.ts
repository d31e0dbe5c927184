/**
 * The picture in docs/events.md, made by the project from nothing but SVG: a synthetic room
 * (wall, floor, a door) with three person-shaped figures walking along known paths, the agent's
 * own tracker following their boxes frame by frame, and the last frame drawn with the console's
 * overlay code (zones, the line and its direction arrow, boxes with track ids, each track's path).
 * No shared image goes into it, so it may be committed. `npm run docs:pictures` rewrites it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { overlaySvg, type DrawnDetection } from '../../agent/console/overlay.js';
import { zoneOccupancy, type SceneView } from '../../agent/console/scene-view.js';
import { Tracker } from '../../agent/pipeline/tracker.js';
import type { Box, Point } from '../../agent/results/result-record.js';

/** The size of the synthetic frame. */
export const PICTURE = { width: 960, height: 540 };

/** The zones and the line drawn in the picture (the configuration docs/events.md shows). */
export const PICTURE_SCENE: SceneView = {
  zones: [
    { name: 'loading-bay', polygon: [[0.56, 0.56], [0.97, 0.56], [0.97, 0.97], [0.6, 0.97]], labels: null },
    { name: 'desk', polygon: [[0.05, 0.6], [0.27, 0.6], [0.27, 0.8], [0.05, 0.8]], labels: ['person'] },
  ],
  lines: [{ name: 'entrance', from: [0.42, 0.5], to: [0.42, 0.98], labels: null }],
};

/** PICTURE_SCENE in the configuration's shape (`cameras[].zones` and `lines`), for an agent that plays the walk. */
export function pictureSceneConfig(): { zones: Record<string, unknown>[]; lines: Record<string, unknown>[] } {
  return {
    zones: PICTURE_SCENE.zones.map((z) => ({ name: z.name, polygon: z.polygon, ...(z.labels === null ? {} : { labels: z.labels }) })),
    lines: PICTURE_SCENE.lines.map((l) => ({ name: l.name, from: l.from, to: l.to })),
  };
}

/** Frames the figures walk for; the picture is the last one. */
const FRAMES = 24;

/** Where each figure's feet are (normalized) at step `i` of FRAMES, and its height in pixels. */
const FIGURES: { colour: string; height: number; at: (f: number) => [number, number] }[] = [
  // Walks left to right across the entrance line into the loading bay.
  { colour: '#c0392b', height: 190, at: (f) => [0.2 + 0.55 * f, 0.9 - 0.04 * f] },
  // Comes in through the door and down towards the desk.
  { colour: '#2c7fb8', height: 150, at: (f) => [0.33 - 0.16 * f, 0.58 + 0.12 * f] },
  // Stands at the far wall.
  { colour: '#6a3d9a', height: 120, at: () => [0.82, 0.5] },
];

function boxOf(feet: [number, number], height: number): Box {
  const w = height * 0.38;
  return { x: feet[0] * PICTURE.width - w / 2, y: feet[1] * PICTURE.height - height, width: w, height };
}

/** A person-shaped figure (head, body, arms, legs) standing in `box`. */
function figureSvg(box: Box, colour: string, stride: number): string {
  const cx = box.x + box.width / 2;
  const u = box.height / 10;
  const leg = (dx: number) => `<line x1="${cx}" y1="${box.y + 6 * u}" x2="${cx + dx}" y2="${box.y + box.height}" stroke="#2b2b2b" stroke-width="${u * 0.9}" stroke-linecap="round"/>`;
  return (
    leg(-stride * u) +
    leg(stride * u) +
    `<rect x="${cx - u * 1.4}" y="${box.y + 2.1 * u}" width="${u * 2.8}" height="${u * 4.3}" rx="${u * 0.9}" fill="${colour}"/>` +
    `<line x1="${cx - u * 1.2}" y1="${box.y + 2.8 * u}" x2="${cx - u * 1.9}" y2="${box.y + 5.6 * u}" stroke="${colour}" stroke-width="${u * 0.7}" stroke-linecap="round"/>` +
    `<line x1="${cx + u * 1.2}" y1="${box.y + 2.8 * u}" x2="${cx + u * 1.9}" y2="${box.y + 5.6 * u}" stroke="${colour}" stroke-width="${u * 0.7}" stroke-linecap="round"/>` +
    `<circle cx="${cx}" cy="${box.y + u}" r="${u}" fill="#e0b48a"/>`
  );
}

/** The room: a wall with a door, a floor with a little perspective. */
function roomSvg(figures: string): string {
  const { width: w, height: h } = PICTURE;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
    `<defs><linearGradient id="floor" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#8d8472"/><stop offset="1" stop-color="#b7ad97"/></linearGradient></defs>` +
    `<rect width="${w}" height="${h * 0.46}" fill="#59636e"/>` +
    `<rect y="${h * 0.46}" width="${w}" height="${h * 0.54}" fill="url(#floor)"/>` +
    `<rect x="${w * 0.28}" y="${h * 0.14}" width="${w * 0.1}" height="${h * 0.32}" fill="#3b2f25" stroke="#222" stroke-width="3"/>` +
    `<rect x="${w * 0.58}" y="${h * 0.08}" width="${w * 0.34}" height="${h * 0.3}" fill="#7a848f" stroke="#464e57" stroke-width="4"/>` +
    `<rect x="${w * 0.07}" y="${h * 0.62}" width="${w * 0.18}" height="${h * 0.07}" fill="#6b4f35"/>` +
    figures +
    `</svg>`
  );
}

/** Frame `i` of `frames`: the figures' boxes (source pixels) and the room with them in it, as SVG. */
function walkFrame(i: number, frames: number): { boxes: Box[]; svg: string } {
  const f = i / (frames - 1);
  const boxes = FIGURES.map((fig) => boxOf(fig.at(f), fig.height));
  const figures = FIGURES.map((fig, k) => figureSvg(boxes[k] as Box, fig.colour, k === 2 ? 0.4 : i % 2 === 0 ? 1.1 : 0.6)).join('');
  return { boxes, svg: roomSvg(figures) };
}

/** The walk as `frames` JPEG files' bytes, with nothing drawn on them: a synthetic camera for the console's screenshot. */
export async function syntheticFrames(frames: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < frames; i++) out.push(await sharp(Buffer.from(walkFrame(i, frames).svg)).jpeg({ quality: 90 }).toBuffer());
  return out;
}

/** The picture: the last frame of the walk with the overlay, as PNG bytes. */
export async function renderEventsPicture(): Promise<Buffer> {
  let n = 0;
  // Ids as the agent makes them are ULIDs; fixed ones keep the picture the same at every run.
  const tracker = new Tracker({ minHits: 3, maxMissedFrames: 5, minIou: 0.2, highScore: 0.5, newId: () => `01JEVENTSPICTURE000000${String(++n).padStart(4, '0')}` });
  const trails = new Map<string, Point[]>();
  let detections: DrawnDetection[] = [];
  let room = '';
  for (let i = 0; i < FRAMES; i++) {
    const { boxes, svg } = walkFrame(i, FRAMES);
    room = svg;
    const step = tracker.update(boxes.map((box) => ({ label: 'person', score: 0.9, box })), 1_000 * i);
    detections = boxes.map((box, k) => {
      const trackId = step.trackIds[k];
      return { model: 'person-yolox-192', label: 'person', score: [0.91, 0.87, 0.78][k] ?? 0.9, box, ...(trackId === undefined ? {} : { trackId }) };
    });
    for (const d of detections) {
      if (d.trackId === undefined) continue;
      const trail = trails.get(d.trackId) ?? [];
      trail.push({ x: d.box.x + d.box.width / 2, y: d.box.y + d.box.height });
      trails.set(d.trackId, trail.slice(-16));
    }
  }
  const background = await sharp(Buffer.from(room)).png().toBuffer();
  const occupancy = zoneOccupancy(PICTURE_SCENE.zones, detections, PICTURE.width, PICTURE.height);
  const overlay = overlaySvg(detections, PICTURE.width, PICTURE.height, 1, { scene: PICTURE_SCENE, occupancy, trails });
  return await sharp(background).composite([{ input: Buffer.from(overlay), top: 0, left: 0 }]).png({ palette: true, colours: 128 }).toBuffer();
}

/** Where the picture goes in the repository. */
export const EVENTS_PICTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'img', 'events-zones.png');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(dirname(EVENTS_PICTURE), { recursive: true });
  const png = await renderEventsPicture();
  writeFileSync(EVENTS_PICTURE, png);
  console.log(`${EVENTS_PICTURE}: ${png.length} bytes`);
}
