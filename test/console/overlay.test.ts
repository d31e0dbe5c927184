/**
 * The console's drawing of zones, lines and tracks, without a browser: the arrow of a line points
 * to the side the agent's own geometry calls `forward`, captions carry the track id, paths are
 * drawn, zone occupancy follows the event policy's rule (bottom centre, label filter), and the
 * picture of docs/events.md is made the same way at every run.
 */
import t from 'tap';
import sharp from 'sharp';
import { forwardNormal, overlaySvg, shortTrackId } from '../../agent/console/overlay.js';
import { zoneOccupancy } from '../../agent/console/scene-view.js';
import { crossing, type NormPoint } from '../../agent/pipeline/geometry.js';
import { PICTURE, renderEventsPicture } from './docs-pictures.js';

t.test('the arrow points where a forward crossing goes', async (t) => {
  const lines: [NormPoint, NormPoint][] = [[[0.5, 0], [0.5, 1]], [[0.5, 1], [0.5, 0]], [[0, 0.5], [1, 0.5]], [[0.1, 0.2], [0.8, 0.9]], [[0.9, 0.1], [0.2, 0.6]]];
  for (const [w, h] of [[640, 480], [1012, 1280]] as const) {
    for (const [from, to] of lines) {
      const [nx, ny] = forwardNormal(from, to, w, h);
      const mid: NormPoint = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2];
      // A step from behind the arrow's root to its tip, in normalized coordinates.
      const a: NormPoint = [mid[0] - (nx * 10) / w, mid[1] - (ny * 10) / h];
      const b: NormPoint = [mid[0] + (nx * 10) / w, mid[1] + (ny * 10) / h];
      t.equal(crossing(a, b, from, to), 'forward', `${w}x${h} ${JSON.stringify([from, to])}`);
    }
  }
  t.same(forwardNormal([0.5, 0], [0.5, 1], 640, 480).map((v) => Math.round(v)), [1, 0], 'drawn top to bottom, forward is to the right');
});

t.test('captions carry the track id, and tracks their path', async (t) => {
  const id = '01JEVENTSPICTURE0000000042';
  const svg = overlaySvg([{ model: 'm', label: 'person', score: 0.87, box: { x: 10, y: 40, width: 50, height: 100 }, trackId: id }], 640, 480, 1, { trails: new Map([[id, [{ x: 30, y: 100 }, { x: 35, y: 140 }]]]) });
  t.equal(shortTrackId(id), '#0042');
  t.match(svg, />person 87% #0042</, 'the caption');
  t.match(svg, /<polyline points="30\.0,100\.0 35\.0,140\.0"/, 'the path');
});

t.test('occupancy: the bottom centre of the box, and the zone\'s labels', async (t) => {
  const zones = [
    { name: 'left', polygon: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]] as NormPoint[], labels: null },
    { name: 'cars', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] as NormPoint[], labels: ['car'] },
  ];
  // Standing at x 0.25 (feet) though the box reaches into the right half.
  const person = { label: 'person', score: 0.9, box: { x: 10, y: 10, width: 300, height: 400 } };
  t.same(zoneOccupancy(zones, [person], 640, 480), { left: 1, cars: 0 });
});

t.test('the picture of docs/events.md is synthetic and the same at every run', async (t) => {
  const [a, b] = [await renderEventsPicture(), await renderEventsPicture()];
  const meta = await sharp(a).metadata();
  t.same([meta.format, meta.width, meta.height], ['png', PICTURE.width, PICTURE.height]);
  t.ok(a.equals(b), 'byte for byte');
});
