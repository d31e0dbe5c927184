/**
 * The console page: one self-contained HTML document (no files to install, nothing fetched from
 * elsewhere). It opens `/api/events` and redraws from each state it receives; a camera's picture
 * is `/api/cameras/<name>/latest.jpg?scene=0` (detections, track ids and paths drawn by the
 * agent), reloaded when its version changes, under an SVG layer where the page draws the camera's
 * zones and lines from the state. The zone editor draws on that layer too: clicks (or taps) over
 * the picture become a polygon or a line, and the page prints the YAML to paste into the
 * configuration; it sends nothing to the agent. Text from the agent (camera names, warnings) is
 * set with textContent, never parsed as HTML. The layout is one column on a phone and a grid on
 * a wider screen.
 */
import { LINE_COLOUR, zoneColour } from './overlay.js';

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#111;color:#eee}
header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:baseline;padding:.6em 1em;background:#1c1c1c;border-bottom:1px solid #333}
h1{font-size:1.1em;margin:0}h2{font-size:1em;margin:.2em 0 .4em}
main{display:grid;gap:1em;padding:1em;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr))}
section{background:#1c1c1c;border:1px solid #333;border-radius:6px;padding:.7em}
img{display:block;width:100%;height:auto;background:#000;border-radius:4px;min-height:60px}
.frame{position:relative}.frame svg{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;overflow:visible}
.frame.editing svg{pointer-events:auto;cursor:crosshair;touch-action:none}
.editor{display:flex;flex-wrap:wrap;gap:.4em;align-items:center;margin:.5em 0 0}.editor[hidden]{display:none}
button{font:inherit;color:#eee;background:#2a2a2a;border:1px solid #555;border-radius:4px;padding:.25em .7em;min-height:2.2em}button:disabled{opacity:.45}
input{font:inherit;color:#eee;background:#111;border:1px solid #555;border-radius:4px;padding:.2em .4em;width:9em}
pre.yaml{margin:.5em 0 0;padding:.5em;background:#0b0b0b;border:1px solid #333;border-radius:4px;overflow-x:auto;font-size:12px;user-select:all}pre.yaml:empty{display:none}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em .8em;margin:.5em 0 0}dt{color:#9a9a9a}dd{margin:0;font-variant-numeric:tabular-nums}
.ok{color:#4ade80}.bad{color:#f87171}.muted{color:#9a9a9a}ul{margin:.3em 0;padding-left:1.2em}li{margin:.15em 0;overflow-wrap:anywhere}
`;

const SCRIPT = `
const $ = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const num = (v, unit = '') => v === null || v === undefined ? '–' : v + unit;
const ago = (iso) => iso === null ? 'never' : Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)) + ' s ago';
function list(pairs) { const dl = $('dl'); for (const [k, v, cls] of pairs) { dl.append($('dt', k)); dl.append($('dd', v, cls)); } return dl; }
const ZONE_COLOURS = ${JSON.stringify([0, 1, 2, 3, 4, 5].map(zoneColour))};
const LINE_COLOUR = ${JSON.stringify(LINE_COLOUR)};
const SVGNS = 'http://www.w3.org/2000/svg';
const svgEl = (tag, attrs, text) => { const e = document.createElementNS(SVGNS, tag); for (const k in attrs) e.setAttribute(k, String(attrs[k])); if (text !== undefined) e.textContent = text; return e; };
const cards = new Map();
// The picture's size in pixels (the SVG layer's coordinates); normalized points are scaled by it.
function size(card) { return { w: card.img.naturalWidth || 640, h: card.img.naturalHeight || 360 }; }
// forward = (to - from) turned a quarter turn counter-clockwise on the image, as the agent counts crossings.
function forward(a, b, w, h) { const dx = (b[0] - a[0]) * w, dy = (b[1] - a[1]) * h, l = Math.hypot(dx, dy) || 1; return [dy / l, -dx / l]; }
function drawLine(g, name, a, b, w, h, colour, cls) {
  const font = Math.max(12, Math.round(w / 55)), stroke = Math.max(2, Math.round(w / 320));
  const [x1, y1, x2, y2] = [a[0] * w, a[1] * h, b[0] * w, b[1] * h];
  const [nx, ny] = forward(a, b, w, h), reach = Math.max(24, Math.min(w, h) * 0.08), mx = (x1 + x2) / 2, my = (y1 + y2) / 2, tx = mx + nx * reach, ty = my + ny * reach, head = reach * 0.35;
  const back = (turn) => { const t = Math.atan2(-ny, -nx) + turn; return (tx + Math.cos(t) * head) + ',' + (ty + Math.sin(t) * head); };
  const line = svgEl('g', { class: cls, 'data-line': name });
  line.append(svgEl('line', { x1, y1, x2, y2, stroke: '#000', 'stroke-opacity': 0.6, 'stroke-width': stroke * 2 + 2, 'stroke-linecap': 'round' }));
  line.append(svgEl('line', { x1, y1, x2, y2, stroke: colour, 'stroke-width': stroke * 2, 'stroke-linecap': 'round' }));
  line.append(svgEl('circle', { cx: x1, cy: y1, r: stroke * 2 + 1, fill: colour, stroke: '#000' }));
  line.append(svgEl('polyline', { points: mx + ',' + my + ' ' + tx + ',' + ty + ' ' + back(Math.PI / 6) + ' ' + tx + ',' + ty + ' ' + back(-Math.PI / 6), stroke: colour, 'stroke-width': stroke * 2, fill: 'none', 'stroke-linejoin': 'round' }));
  line.append(svgEl('text', { x: tx + (nx >= 0 ? 4 : -4), y: ty + (ny >= 0 ? font + 4 : -4), 'text-anchor': nx >= 0 ? 'start' : 'end', 'font-size': font, 'font-weight': 'bold', fill: colour, stroke: '#000', 'stroke-width': 0.8, 'paint-order': 'stroke', 'font-family': 'sans-serif' }, name));
  g.append(line);
}
function drawZone(g, name, polygon, w, h, colour, cls, caption) {
  const font = Math.max(12, Math.round(w / 55)), stroke = Math.max(2, Math.round(w / 320));
  const pts = polygon.map((p) => [p[0] * w, p[1] * h]);
  const zone = svgEl('g', { class: cls, 'data-zone': name });
  zone.append(svgEl(pts.length > 2 ? 'polygon' : 'polyline', { points: pts.map((p) => p.join(',')).join(' '), fill: pts.length > 2 ? colour : 'none', 'fill-opacity': 0.28, stroke: colour, 'stroke-width': stroke, 'stroke-linejoin': 'round' }));
  for (const p of cls === 'draft' ? pts : []) zone.append(svgEl('circle', { cx: p[0], cy: p[1], r: stroke * 2 + 2, fill: colour, stroke: '#000' }));
  if (pts.length > 0) {
    const cx = pts.reduce((a, p) => a + p[0], 0) / pts.length, top = Math.min(...pts.map((p) => p[1]));
    zone.append(svgEl('text', { x: cx, y: Math.max(font + 2, top + font + 6), 'text-anchor': 'middle', 'font-size': font, 'font-weight': 'bold', fill: '#fff', stroke: '#000', 'stroke-width': 0.8, 'paint-order': 'stroke', 'font-family': 'sans-serif' }, caption));
  }
  g.append(zone);
}
// The camera's configured zones and lines, then what the editor has drawn.
function drawScene(card) {
  const { w, h } = size(card);
  card.svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  card.svg.replaceChildren();
  const c = card.state;
  if (c) {
    c.zones.forEach((z, i) => drawZone(card.svg, z.name, z.polygon, w, h, ZONE_COLOURS[i % ZONE_COLOURS.length], 'configured', z.objects === null ? z.name : z.name + ': ' + z.objects));
    for (const l of c.lines) drawLine(card.svg, l.name, l.from, l.to, w, h, LINE_COLOUR, 'configured');
  }
  const e = card.editor;
  for (const s of e.shapes) s.kind === 'zone' ? drawZone(card.svg, s.name, s.points, w, h, '#22d3ee', 'drawn', s.name) : drawLine(card.svg, s.name, s.points[0], s.points[1], w, h, '#22d3ee', 'drawn');
  if (e.mode === 'line' && e.points.length === 1) drawZone(card.svg, '', e.points, w, h, '#22d3ee', 'draft', '');
  if (e.mode === 'zone' && e.points.length > 0) drawZone(card.svg, e.name(), e.points, w, h, '#22d3ee', 'draft', e.name());
}
const fmt = (p) => '[' + p[0].toFixed(3) + ', ' + p[1].toFixed(3) + ']';
// The YAML to paste under the camera, in the configuration's own shape (normalized, 3 decimals).
function yamlOf(shapes) {
  const zones = shapes.filter((s) => s.kind === 'zone'), lines = shapes.filter((s) => s.kind === 'line');
  const out = [];
  if (zones.length > 0) { out.push('zones:'); for (const z of zones) out.push('  - name: ' + z.name, '    polygon: [' + z.points.map(fmt).join(', ') + ']'); }
  if (lines.length > 0) { out.push('lines:'); for (const l of lines) out.push('  - name: ' + l.name, '    from: ' + fmt(l.points[0]), '    to: ' + fmt(l.points[1])); }
  return out.length === 0 ? '' : out.join('\\n') + '\\n';
}
function editorFor(card, name) {
  const bar = $('div', undefined, 'editor'); bar.hidden = true;
  const label = $('input'); label.setAttribute('aria-label', 'name of the shape'); label.setAttribute('pattern', '[A-Za-z0-9_.-]+');
  const zoneB = $('button', 'Draw zone'), lineB = $('button', 'Draw line'), finishB = $('button', 'Finish zone'), undoB = $('button', 'Undo'), clearB = $('button', 'Clear');
  const hint = $('span', '', 'muted'), yaml = $('pre', '', 'yaml');
  bar.append(zoneB, lineB, label, finishB, undoB, clearB, hint);
  const e = { mode: null, points: [], shapes: [], bar, yaml };
  const counter = (kind) => e.shapes.filter((s) => s.kind === kind).length + 1;
  e.name = () => (label.value.trim().replace(/[^A-Za-z0-9_.-]+/g, '-') || (e.mode ?? 'zone') + '-' + counter(e.mode ?? 'zone'));
  const update = () => {
    finishB.disabled = !(e.mode === 'zone' && e.points.length >= 3);
    undoB.disabled = e.points.length === 0 && e.shapes.length === 0;
    zoneB.setAttribute('aria-pressed', String(e.mode === 'zone')); lineB.setAttribute('aria-pressed', String(e.mode === 'line'));
    hint.textContent = e.mode === 'zone' ? 'click the corners of the zone, then Finish zone' : e.mode === 'line' ? (e.points.length === 0 ? 'click where the line starts' : 'click where it ends') : 'paste the YAML under cameras: - name: ' + name + ' (nothing here changes the agent)';
    yaml.textContent = yamlOf(e.shapes);
    card.frame.classList.toggle('editing', e.mode !== null);
    drawScene(card);
  };
  const start = (mode) => { e.mode = e.mode === mode ? null : mode; e.points = []; label.value = ''; if (e.mode) label.placeholder = e.mode + '-' + counter(e.mode); update(); };
  const finish = () => { e.shapes.push({ kind: e.mode, name: e.name(), points: e.points }); e.points = []; e.mode = null; label.value = ''; update(); };
  zoneB.onclick = () => start('zone'); lineB.onclick = () => start('line');
  finishB.onclick = () => { if (e.mode === 'zone' && e.points.length >= 3) finish(); };
  undoB.onclick = () => { if (e.points.length > 0) e.points.pop(); else e.shapes.pop(); update(); };
  clearB.onclick = () => { e.points = []; e.shapes = []; update(); };
  // A click, or a tap on a phone: the point under it, as a fraction of the picture's size.
  card.svg.addEventListener('click', (ev) => {
    if (e.mode === null) return;
    const r = card.img.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    e.points.push([clamp((ev.clientX - r.left) / r.width), clamp((ev.clientY - r.top) / r.height)]);
    if (e.mode === 'line' && e.points.length === 2) finish(); else update();
  });
  e.update = update;
  return e;
}
function camera(c) {
  let card = cards.get(c.name);
  if (!card) {
    const section = $('section'); section.dataset.camera = c.name;
    const img = $('img'); img.alt = 'latest frame of ' + c.name; img.dataset.version = '0';
    const frame = $('div', undefined, 'frame'); const svg = svgEl('svg', { 'aria-label': 'zones and lines of ' + c.name });
    frame.append(img, svg);
    const toggle = $('button', 'Zone editor'); toggle.className = 'edit-toggle';
    const head = $('div'); head.style.cssText = 'display:flex;justify-content:space-between;align-items:center;gap:.5em';
    head.append($('h2', c.name), toggle);
    card = { section, img, svg, frame, state: c }; cards.set(c.name, card);
    card.editor = editorFor(card, c.name);
    toggle.onclick = () => { card.editor.bar.hidden = !card.editor.bar.hidden; if (card.editor.bar.hidden) { card.editor.mode = null; card.editor.update(); } };
    img.addEventListener('load', () => drawScene(card));
    section.append(head, frame, card.editor.bar, card.editor.yaml, $('dl'), $('ul'));
    document.getElementById('cameras').append(section);
  }
  card.state = c;
  const p = c.picture;
  if (p && String(p.version) !== card.img.dataset.version) {
    card.img.dataset.version = String(p.version);
    card.img.src = 'api/cameras/' + encodeURIComponent(c.name) + '/latest.jpg?scene=0&v=' + p.version;
  }
  drawScene(card);
  const gate = c.gate.enabled ? (c.gate.lastFrame === 'skipped' ? 'on: last frame skipped (no change)' : 'on: last frame passed') : 'off';
  card.section.querySelector('dl').replaceWith(list([
    ['source', c.sourceState, c.sourceState === 'running' ? 'ok' : 'bad'],
    ['frames/s', num(c.fps)], ['inference', p ? num(p.inferenceMs, ' ms') : '–'], ['change gate', gate],
    ['captured', c.framesCaptured], ['inferred', c.framesInferred], ['dropped', c.framesDropped], ['skipped', c.framesSkipped], ['results kept', c.resultsKept],
    ['frame', p ? '#' + p.frameSeq + ' at ' + new Date(p.capturedAt).toLocaleTimeString() : 'waiting for the first picture'],
  ]));
  const ul = $('ul');
  for (const d of p ? p.detections : []) ul.append($('li', d.label + ' ' + Math.round(d.score * 100) + '%' + (d.trackId ? ' #' + d.trackId.slice(-4) : '') + ' (' + d.model + ')'));
  for (const k of p ? p.classes.slice(0, 3) : []) ul.append($('li', k.label + ' ' + Math.round(k.score * 100) + '% (' + k.model + ')'));
  card.section.querySelector('ul').replaceWith(ul);
}
function render(s) {
  document.getElementById('device').textContent = s.deviceId;
  const ready = document.getElementById('ready');
  ready.textContent = s.ready.ready ? 'ready' : 'not ready'; ready.className = s.ready.ready ? 'ok' : 'bad';
  document.getElementById('updated').textContent = 'updated ' + new Date(s.at).toLocaleTimeString();
  const names = new Set(s.cameras.map((c) => c.name));
  for (const [name, card] of cards) if (!names.has(name)) { card.section.remove(); cards.delete(name); }
  for (const c of s.cameras) camera(c);
  const o = s.outbox;
  document.getElementById('outbox').replaceWith(Object.assign(list([
    ['depth', o.pendingRows + ' rows, ' + o.pendingBytes + ' bytes'], ['oldest', o.oldestPendingAgeMs === null ? 'none waiting' : Math.round(o.oldestPendingAgeMs / 1000) + ' s'],
    ['dropped', o.droppedRows, o.droppedRows > 0 ? 'bad' : ''], ['dead letters', o.deadRows, o.deadRows > 0 ? 'bad' : ''],
  ]), { id: 'outbox' }));
  const p = s.publisher;
  document.getElementById('publisher').replaceWith(Object.assign(p === null ? list([['transport', 'none (results stay in the outbox)']]) : list([
    ['transport', p.transport], ['connected', p.connected ? 'yes' : 'no', p.connected ? 'ok' : 'bad'], ['last ack', ago(p.lastAckAt)],
    ['rate', num(p.resultsPerSecond, ' results/s')], ['delivered', p.rowsDelivered], ['last error', p.lastError ?? 'none'],
  ]), { id: 'publisher' }));
  const models = $('ul'); models.id = 'models';
  for (const m of s.models) models.append($('li', m.id + (m.variant !== m.id ? ' → variant ' + m.variant : '') + ' on ' + m.provider));
  document.getElementById('models').replaceWith(models);
  const warnings = $('ul'); warnings.id = 'warnings';
  const recent = s.warnings.slice(-15).reverse();
  if (recent.length === 0) warnings.append($('li', 'none', 'muted'));
  for (const w of recent) warnings.append($('li', new Date(w.at).toLocaleTimeString() + ' ' + w.level + ': ' + w.message + (w.camera ? ' [' + w.camera + ']' : '') + (w.code ? ' ' + w.code : '') + (w.error ? ': ' + w.error : ''), w.level === 'warn' ? '' : 'bad'));
  for (const r of s.ready.reasons) warnings.prepend($('li', r, 'bad'));
  document.getElementById('warnings').replaceWith(warnings);
}
const events = new EventSource('api/events');
events.addEventListener('state', (e) => render(JSON.parse(e.data)));
events.onerror = () => { document.getElementById('updated').textContent = 'disconnected; retrying'; };
`;

/** The page's HTML; `frameIntervalMs` is shown so a reader knows how fresh the pictures are. */
export function consolePage(frameIntervalMs: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>edge-agent console</title><style>${STYLE}</style></head>
<body><header><h1>edge-agent <span id="device"></span></h1><span id="ready" class="muted">connecting</span><span id="updated" class="muted"></span>
<span class="muted">pictures every ${(frameIntervalMs / 1000).toString()} s while open</span></header>
<main><div id="cameras" style="display:contents"></div>
<section><h2>Outbox</h2><dl id="outbox"></dl></section>
<section><h2>Publisher</h2><dl id="publisher"></dl></section>
<section><h2>Models</h2><ul id="models"></ul></section>
<section><h2>Recent warnings</h2><ul id="warnings"></ul></section></main>
<script>${SCRIPT}</script></body></html>
`;
}
