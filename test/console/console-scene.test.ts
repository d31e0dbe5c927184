/**
 * Zones, lines and track ids in the console, in a real browser (headless Debian chromium): a real
 * agent plays hopper.jpg with a zone, a line and the tracker on. The page draws the zone and the
 * line from /api/state over the picture, the detection carries its track id, latest.jpg has the
 * zone drawn in (compared with the picture without it, pixel by pixel, with sharp), and the zone
 * editor turns clicks (and taps on a phone) at known positions into the YAML the configuration
 * takes, which the project's own loader accepts.
 */
import t, { type Test } from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parse } from 'yaml';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../agent/config/load-config.js';
import type { ConsoleState } from '../../agent/console/console-state.js';
import { sharedImage, sharedImages } from '../helpers/shared.js';
import { chromiumPath, openBrowser, pictureShown, startAgent, until } from './helpers.js';

t.setTimeout(480_000);
const skip = existsSync(chromiumPath) ? false : `${chromiumPath} missing (apt-get install chromium)`;

/** The zone covers the lower right of the frame: hopper's box stands in it (its bottom centre is near the bottom middle). */
const ZONE = { name: 'desk', polygon: [[0.45, 0.55], [0.95, 0.55], [0.95, 1], [0.45, 1]] };
const LINE = { name: 'aisle', from: [0.2, 0.05], to: [0.2, 0.95] };
const TRACKED = { models: [{ id: 'person-yolox-192', threshold: 0.5, tracking: { enabled: true } }], zones: [ZONE], lines: [LINE] };

/** Mean absolute difference of two RGB rasters of the same size over the normalized rectangle `r`. */
function meanDiff(a: Buffer, b: Buffer, width: number, height: number, r: { x0: number; y0: number; x1: number; y1: number }): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.round(r.y0 * height); y < Math.round(r.y1 * height); y++)
    for (let x = Math.round(r.x0 * width); x < Math.round(r.x1 * width); x++)
      for (let c = 0; c < 3; c++) {
        const o = (y * width + x) * 3 + c;
        sum += Math.abs((a[o] as number) - (b[o] as number));
        n++;
      }
  return sum / n;
}

async function rgb(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The state of camera `name`, once `ok` holds for it. */
async function cameraState(base: string, name: string, ok: (c: ConsoleState['cameras'][number]) => boolean, ms = 120_000): Promise<ConsoleState['cameras'][number] | undefined> {
  let found: ConsoleState['cameras'][number] | undefined;
  await until(async () => {
    const state = (await (await fetch(`${base}/api/state`)).json()) as ConsoleState;
    found = state.cameras.find((c) => c.name === name);
    return found !== undefined && ok(found);
  }, ms);
  return found;
}

t.test('the zone, the line and the track id on the page and in latest.jpg', { skip }, async (t) => {
  const { rt } = await startAgent(t, [
    { name: 'desk-cam', path: sharedImage('hopper.jpg'), keys: TRACKED },
    { name: 'all', path: sharedImages, keys: { zones: [ZONE], lines: [LINE] } },
  ]);
  const base = rt.console?.url ?? '';
  const context = await openBrowser(t);
  const page = await context.newPage();
  await page.goto(`${base}/`);
  for (const name of ['desk-cam', 'all']) t.ok(await page.waitForFunction(pictureShown(name), undefined, { timeout: 60_000 }).then(() => true, () => false), `${name} shows a frame`);

  // /api/state carries the scene, and the objects in the zone on the drawn frame.
  const cam = await cameraState(base, 'desk-cam', (c) => (c.picture?.detections.length ?? 0) > 0);
  t.same(cam?.zones.map((z) => ({ name: z.name, polygon: z.polygon, labels: z.labels })), [{ ...ZONE, labels: null }], 'the zone as configured');
  t.same(cam?.lines, [{ ...LINE, labels: null }], 'the line as configured');
  t.equal(cam?.zones[0]?.objects, 1, 'hopper stands in the zone');

  // The page draws them: the SVG layer has the zone polygon at the picture's scale, and the line with its arrow.
  for (const name of ['desk-cam', 'all']) {
    const drawn = await page.evaluate<{ zone: string | null; caption: string | null; line: number; w: number; h: number }>(`(() => {
      const card = document.querySelector('section[data-camera=${JSON.stringify(name)}]');
      const zone = card.querySelector('g[data-zone="desk"] polygon');
      const line = card.querySelector('g[data-line="aisle"]');
      const img = card.querySelector('img');
      return { zone: zone && zone.getAttribute('points'), caption: card.querySelector('g[data-zone="desk"] text')?.textContent ?? null, line: line ? line.querySelectorAll('line, polyline').length : 0, w: img.naturalWidth, h: img.naturalHeight };
    })()`);
    const want = ZONE.polygon.map(([x, y]) => `${(x as number) * drawn.w},${(y as number) * drawn.h}`).join(' ');
    t.equal(drawn.zone, want, `${name}: the zone is drawn over the picture at its size`);
    t.ok(drawn.line >= 3, `${name}: the line is drawn with its arrow`);
    if (name === 'desk-cam') t.equal(drawn.caption, 'desk: 1', 'the zone caption shows who is in it');
  }
  // The camera loop hands the console each model's result after the tracker gave it its ids.
  await t.test('the detection carries its track id', async (t) => {
    const tracked = await cameraState(base, 'desk-cam', (c) => c.picture?.detections[0]?.trackId !== undefined, 60_000);
    const trackId = tracked?.picture?.detections[0]?.trackId;
    t.match(trackId, /^[0-9A-Z]{26}$/, 'a ULID, with tracking on');
    t.ok(await until(async () => (await page.locator('section[data-camera="desk-cam"] ul').innerText()).includes(`#${trackId?.slice(-4) ?? '?'}`)), 'the page lists the detection with its track id');
  });

  // What the page shows: inside the zone the picture is tinted, outside it is not.
  const shot = await page.locator('section[data-camera="desk-cam"] .frame').screenshot();
  const withLayer = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  await page.evaluate(`document.querySelector('section[data-camera="desk-cam"] .frame svg').style.visibility = 'hidden'`);
  const bare = await sharp(await page.locator('section[data-camera="desk-cam"] .frame').screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  await page.evaluate(`document.querySelector('section[data-camera="desk-cam"] .frame svg').style.visibility = ''`);
  const { width: sw, height: sh } = withLayer.info;
  const inZone = meanDiff(withLayer.data, bare.data, sw, sh, { x0: 0.55, y0: 0.75, x1: 0.85, y1: 0.9 });
  const outside = meanDiff(withLayer.data, bare.data, sw, sh, { x0: 0.02, y0: 0.3, x1: 0.1, y1: 0.5 });
  t.ok(inZone > 15, `the page tints the zone (mean difference ${inZone.toFixed(1)})`);
  t.ok(outside < 3, `and nothing outside it (${outside.toFixed(1)})`);

  // latest.jpg has the zone and line drawn in; ?scene=0 (what the page loads) has not.
  const get = async (q: string) => Buffer.from(await (await fetch(`${base}/api/cameras/desk-cam/latest.jpg${q}`)).arrayBuffer());
  const [full, plain] = [await rgb(await get('')), await rgb(await get('?scene=0'))];
  t.same([full.width, full.height], [plain.width, plain.height]);
  const zoneDiff = meanDiff(full.data, plain.data, full.width, full.height, { x0: 0.55, y0: 0.75, x1: 0.85, y1: 0.9 });
  const lineDiff = meanDiff(full.data, plain.data, full.width, full.height, { x0: 0.195, y0: 0.3, x1: 0.205, y1: 0.45 });
  const clear = meanDiff(full.data, plain.data, full.width, full.height, { x0: 0.02, y0: 0.3, x1: 0.1, y1: 0.5 });
  t.ok(zoneDiff > 15, `latest.jpg differs from the picture without zones inside the zone (mean ${zoneDiff.toFixed(1)})`);
  t.ok(lineDiff > 40, `and on the line (${lineDiff.toFixed(1)})`);
  t.ok(clear < 4, `but not away from them (${clear.toFixed(1)}: one more JPEG round)`);
});

/** Pins camera `name`'s picture at the page's top left, `w` x `h` CSS pixels (the rest of the page below it), so click positions are exact. */
async function pinFrame(page: Page, name: string, w: number, h: number): Promise<void> {
  await page.addStyleTag({ content: `section[data-camera=${JSON.stringify(name)}] .frame{position:fixed;left:0;top:0;width:${w}px;height:${h}px;z-index:10}section[data-camera=${JSON.stringify(name)}] .frame img{width:100%;height:100%;min-height:0}body{padding-top:${h + 20}px}` });
}

/** The configuration with `snippet` pasted under the camera, loaded by the project's loader. */
function loadWithSnippet(t: Test, snippet: string): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-console-yaml-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  const indented = snippet.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  writeFileSync(file, `deviceId: yaml-check\ncameras:\n  - name: door\n    source: { type: files, path: ${dir} }\n    models: [{ id: person-yolox-192, report: { policy: events } }]\n${indented}\n`);
  return loadConfig({ file, env: {} });
}

t.test('the zone editor turns clicks into the YAML the configuration takes', { skip }, async (t) => {
  const { rt } = await startAgent(t, [{ name: 'desk-cam', path: sharedImage('hopper.jpg') }]);
  const context = await openBrowser(t);
  const page = await context.newPage();
  await page.goto(`${rt.console?.url ?? ''}/`);
  t.ok(await page.waitForFunction(pictureShown('desk-cam'), undefined, { timeout: 60_000 }).then(() => true, () => false), 'the frame is shown');
  const card = page.locator('section[data-camera="desk-cam"]');
  await card.getByRole('button', { name: 'Zone editor' }).click();
  await pinFrame(page, 'desk-cam', 500, 400);

  await card.getByRole('button', { name: 'Draw zone' }).click();
  await card.locator('.editor input').fill('bay');
  for (const [x, y] of [[50, 80], [300, 80], [300, 360], [50, 360]] as const) await page.mouse.click(x, y);
  t.equal(await page.evaluate<number>(`document.querySelectorAll('section[data-camera="desk-cam"] g.draft circle').length`), 4, 'each corner is drawn as it is clicked');
  await card.getByRole('button', { name: 'Finish zone' }).click();
  await card.getByRole('button', { name: 'Draw line' }).click();
  await card.locator('.editor input').fill('entry');
  await page.mouse.click(150, 20);
  await page.mouse.click(150, 390);
  const yaml = await card.locator('pre.yaml').innerText();
  const want = [
    'zones:',
    '  - name: bay',
    '    polygon: [[0.100, 0.200], [0.600, 0.200], [0.600, 0.900], [0.100, 0.900]]',
    'lines:',
    '  - name: entry',
    '    from: [0.300, 0.050]',
    '    to: [0.300, 0.975]',
    '',
  ].join('\n');
  t.equal(yaml.trimEnd(), want.trimEnd(), 'the YAML for the clicks, normalized with 3 decimals');
  t.ok(await page.evaluate<boolean>(`!!document.querySelector('section[data-camera="desk-cam"] g.drawn[data-zone="bay"] polygon') && !!document.querySelector('section[data-camera="desk-cam"] g.drawn[data-line="entry"]')`), 'the drawn zone and line stay on the picture');

  t.same(parse(yaml), { zones: [{ name: 'bay', polygon: [[0.1, 0.2], [0.6, 0.2], [0.6, 0.9], [0.1, 0.9]] }], lines: [{ name: 'entry', from: [0.3, 0.05], to: [0.3, 0.975] }] }, 'it parses as YAML');
  const loaded = loadWithSnippet(t, yaml);
  const door = loaded.config.cameras[0];
  t.same(door?.zones.map((z) => [z.name, z.polygon]), [['bay', [[0.1, 0.2], [0.6, 0.2], [0.6, 0.9], [0.1, 0.9]]]], 'and the project\'s loader takes it as the camera\'s zones');
  t.same(door?.lines.map((l) => [l.name, l.from, l.to]), [['entry', [0.3, 0.05], [0.3, 0.975]]], 'and lines');
  t.equal(rt.config.cameras[0]?.zones.length, 0, 'the running configuration is unchanged: the editor sends nothing');

  await card.getByRole('button', { name: 'Undo' }).click();
  t.notMatch(await card.locator('pre.yaml').innerText(), /entry/, 'undo takes the last shape back');
});

t.test('on a phone, taps draw the zone', { skip }, async (t) => {
  const { rt } = await startAgent(t, [{ name: 'desk-cam', path: sharedImage('hopper.jpg') }]);
  const context = await openBrowser(t, true);
  const page = await context.newPage();
  await page.goto(`${rt.console?.url ?? ''}/`);
  t.ok(await page.waitForFunction(pictureShown('desk-cam'), undefined, { timeout: 60_000 }).then(() => true, () => false), 'the frame is shown');
  const card = page.locator('section[data-camera="desk-cam"]');
  await card.getByRole('button', { name: 'Zone editor' }).tap();
  await pinFrame(page, 'desk-cam', 300, 200);
  await card.getByRole('button', { name: 'Draw zone' }).tap();
  for (const [x, y] of [[30, 20], [270, 20], [150, 180]] as const) await page.touchscreen.tap(x, y);
  await card.getByRole('button', { name: 'Finish zone' }).tap();
  const yaml = await card.locator('pre.yaml').innerText();
  t.equal(yaml.trimEnd(), 'zones:\n  - name: zone-1\n    polygon: [[0.100, 0.100], [0.900, 0.100], [0.500, 0.900]]', 'a tap is a click');
  t.same(loadWithSnippet(t, yaml).config.cameras[0]?.zones[0]?.polygon, [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]], 'and the loader takes it');
});
