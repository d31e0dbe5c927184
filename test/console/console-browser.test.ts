/**
 * The console in a real browser (headless Debian chromium): a real agent plays the shared images,
 * and the page must show each camera's frame with the person model's box drawn on it, update
 * without a reload, agree with /api/state, and serve latest.jpg as a JPEG with the overlay. A
 * screenshot is written to a temporary folder (it shows a shared image, so it never goes into
 * the repository); its path is printed. A second one, with a synthetic walk (SVG figures in an
 * SVG room, test/console/docs-pictures.ts) as the camera, zones, a line and the tracker on, is
 * the picture in docs/console.md.
 */
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ConsoleState } from '../../agent/console/console-state.js';
import { colourFor } from '../../agent/console/overlay.js';
import { sharedImage, sharedImages } from '../helpers/shared.js';
import { pictureSceneConfig, syntheticFrames } from './docs-pictures.js';
import { chromiumPath, openBrowser, pictureShown, startAgent, until } from './helpers.js';

type Rgb = [number, number, number];
const distance = (a: Rgb, b: Rgb) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
const hex = (c: string): Rgb => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as Rgb;

/** The pixel of `raw` (RGB, `width` wide) nearest the box colour along the box's left edge. */
function edgeMatch(raw: Buffer, width: number, box: { x: number; y: number; height: number }, want: Rgb): number {
  let best = 255;
  const y0 = Math.round(box.y + box.height / 2);
  for (let dy = -10; dy <= 10; dy++)
    for (let dx = -2; dx <= 2; dx++) {
      const o = ((y0 + dy) * width + Math.round(box.x) + dx) * 3;
      best = Math.min(best, distance([raw[o] as number, raw[o + 1] as number, raw[o + 2] as number], want));
    }
  return best;
}

// A cold chromium start on a loaded 2-core machine takes a while; every wait below is on a condition.
t.setTimeout(480_000);

t.test('the page shows each camera with its detections, live, and agrees with the API', { skip: existsSync(chromiumPath) ? false : `${chromiumPath} missing (apt-get install chromium)` }, async (t) => {
  const { rt } = await startAgent(t, [
    { name: 'hopper', path: sharedImage('hopper.jpg') },
    { name: 'all', path: sharedImages },
  ]);
  const base = rt.console?.url;
  if (base === undefined) throw new Error('console not serving');
  t.equal(base, rt.health?.url, 'the console shares the health server by default');

  const context = await openBrowser(t);
  const page = await context.newPage();
  const answer = await page.goto(`${base}/`);
  t.equal(answer?.status(), 200, 'GET / answers the page');
  t.match(answer?.headers()['content-type'] ?? '', /^text\/html/);

  // Each camera's card gets a picture.
  for (const name of ['hopper', 'all']) {
    const loaded = await page.waitForFunction(pictureShown(name), undefined, { timeout: 60_000 }).then(() => true, () => false);
    t.ok(loaded, `camera ${name} shows a frame`);
  }

  // The person box is drawn in the picture the page shows (read back through a canvas).
  const state = (await (await fetch(`${base}/api/state`)).json()) as ConsoleState;
  const hopper = state.cameras.find((c) => c.name === 'hopper');
  const box = hopper?.picture?.detections.find((d) => d.label === 'person');
  t.ok(box, 'hopper.jpg has a person detection in /api/state');
  if (box === undefined || hopper?.picture == null) return;
  const scale = hopper.picture.width / (await sharp(sharedImage('hopper.jpg')).autoOrient().metadata()).width;
  const scaled = { x: box.box.x * scale, y: box.box.y * scale, height: box.box.height * scale };
  const want = hex(colourFor('person'));
  // Browser-side code is given as text: the test's TypeScript has no DOM types.
  const shown = await page.evaluate<{ width: number; height: number; rgb: number[] }>(`(() => {
    const img = document.querySelector('section[data-camera="hopper"] img');
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const rgb = [];
    for (let i = 0; i < rgba.length; i += 4) rgb.push(rgba[i], rgba[i + 1], rgba[i + 2]);
    return { width: canvas.width, height: canvas.height, rgb };
  })()`);
  t.same([shown.width, shown.height], [hopper.picture.width, hopper.picture.height], 'the page shows the picture /api/state describes');
  t.ok(edgeMatch(Buffer.from(shown.rgb), shown.width, scaled, want) < 60, 'the box colour is on the box edge in the page');
  const plain = await sharp(sharedImage('hopper.jpg')).autoOrient().resize(hopper.picture.width, hopper.picture.height).removeAlpha().raw().toBuffer();
  t.ok(edgeMatch(plain, hopper.picture.width, scaled, want) > 60, 'and not there in the image without the overlay');

  // latest.jpg: a JPEG with the same overlay.
  const res = await fetch(`${base}/api/cameras/hopper/latest.jpg`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'image/jpeg');
  const jpeg = Buffer.from(await res.arrayBuffer());
  t.same([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG magic bytes');
  const decoded = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  t.equal(decoded.info.format, 'raw');
  t.ok(edgeMatch(decoded.data, decoded.info.width, scaled, want) < 60, 'latest.jpg carries the box');
  t.equal((await fetch(`${base}/api/cameras/nope/latest.jpg`)).status, 404, 'an unknown camera is 404');

  // Live: the counters and the picture change without a reload.
  const read = async () => await page.evaluate<{ inferred: number; version: number; navigations: number }>(`(() => {
    const card = document.querySelector('section[data-camera="all"]');
    const dts = [...card.querySelectorAll('dt')];
    const inferred = dts.find((d) => d.textContent === 'inferred')?.nextElementSibling?.textContent ?? '';
    return { inferred: Number(inferred), version: Number(card.querySelector('img')?.dataset.version ?? 0), navigations: performance.getEntriesByType('navigation').length };
  })()`);
  const first = await read();
  t.ok(await until(async () => {
    const now = await read();
    return now.inferred > first.inferred && now.version > first.version;
  }), 'frames inferred and the picture version grow on the page');
  t.equal((await read()).navigations, 1, 'without a reload');

  // The page and /api/state agree.
  const after = (await (await fetch(`${base}/api/state`)).json()) as ConsoleState;
  const pageInferred = (await read()).inferred;
  const apiInferred = after.cameras.find((c) => c.name === 'all')?.framesInferred ?? -1;
  t.ok(Math.abs(apiInferred - pageInferred) <= 20, `page (${pageInferred}) and /api/state (${apiInferred}) count the same frames, give or take the frames of one update`);
  t.same(after.models.map((m) => m.id), ['person-yolox-192']);
  const modelsText = await page.locator('#models').innerText();
  t.match(modelsText, /person-yolox-192 on cpu/, 'the page lists the model in use');
  t.match(await page.locator('#outbox').innerText(), /depth\s+\d+ rows/, 'the page shows the outbox');
  t.ok(after.console.viewers >= 1, 'the open page counts as a viewer');

  // A phone-sized window: one column, the picture as wide as the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const widths = await page.evaluate<number[]>(`[...document.querySelectorAll('main > section, #cameras > section')].map((s) => s.getBoundingClientRect().width)`);
  t.ok(widths.every((w) => w <= 390), `every card fits a 390 px screen (${widths.map(Math.round).join(', ')})`);
  await page.setViewportSize({ width: 1100, height: 900 });

  const dir = mkdtempSync(join(tmpdir(), 'edge-console-shot-'));
  await page.screenshot({ path: join(dir, 'console.png'), fullPage: true });
  t.comment(`screenshot: ${join(dir, 'console.png')}`);
});

t.test('a screenshot for docs/console.md, with a synthetic walk as the camera', { skip: existsSync(chromiumPath) ? false : `${chromiumPath} missing` }, async (t) => {
  // Frames drawn from SVG (no shared image in them, so the picture may be committed).
  const frames = mkdtempSync(join(tmpdir(), 'edge-console-walk-'));
  t.teardown(() => rmSync(frames, { recursive: true, force: true }));
  (await syntheticFrames(24)).forEach((jpeg, i) => writeFileSync(join(frames, `${String(i).padStart(3, '0')}.jpg`), jpeg));
  const camera = { ...pictureSceneConfig(), models: [{ id: 'person-yolox-192', threshold: 0.5, tracking: { enabled: true } }] };
  const { rt } = await startAgent(t, [{ name: 'warehouse', path: frames, keys: camera }], { deviceId: 'pi-entrance' });
  const context = await openBrowser(t);
  const page = await context.newPage();
  await page.setViewportSize({ width: 900, height: 760 });
  await page.goto(`${rt.console?.url ?? ''}/`);
  const shown = await page.waitForFunction(pictureShown('warehouse'), undefined, { timeout: 60_000 }).then(() => true, () => false);
  t.ok(shown, 'the walk is shown');
  const card = page.locator('section[data-camera="warehouse"]');
  t.ok(await until(async () => /frames\/s\s+\d/.test(await card.innerText())), 'with a frame rate');
  t.ok(await until(async () => (await card.locator('ul').innerText()).split('person').length - 1 >= 2), 'the figures are found by the person model');
  t.ok(await page.evaluate<boolean>(`!!document.querySelector('section[data-camera="warehouse"] g[data-zone="loading-bay"]') && !!document.querySelector('section[data-camera="warehouse"] g[data-line="entrance"]')`), 'the zones and the line are drawn');
  // Track ids show once the tracker confirmed the figures (and the camera loop hands the tracked result over).
  const ids = await until(async () => /#\w{4}/.test(await card.locator('ul').innerText()), 30_000);
  t.comment(ids ? 'track ids shown' : 'no track ids shown');
  const dir = mkdtempSync(join(tmpdir(), 'edge-console-shot-'));
  const path = join(dir, 'console-walk.png');
  await page.screenshot({ path, fullPage: true });
  t.comment(`screenshot (safe to commit as docs/console.png): ${path}`);
});
