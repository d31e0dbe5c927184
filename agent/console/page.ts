/**
 * The console page: one self-contained HTML document (no files to install, nothing fetched from
 * elsewhere). It opens `/api/events` and redraws from each state it receives; a camera's picture
 * is `/api/cameras/<name>/latest.jpg`, reloaded when its version changes. Text from the agent
 * (camera names, warnings) is set with textContent, never parsed as HTML. The layout is one
 * column on a phone and a grid on a wider screen.
 */

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#111;color:#eee}
header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:baseline;padding:.6em 1em;background:#1c1c1c;border-bottom:1px solid #333}
h1{font-size:1.1em;margin:0}h2{font-size:1em;margin:.2em 0 .4em}
main{display:grid;gap:1em;padding:1em;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr))}
section{background:#1c1c1c;border:1px solid #333;border-radius:6px;padding:.7em}
img{display:block;width:100%;height:auto;background:#000;border-radius:4px;min-height:60px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em .8em;margin:.5em 0 0}dt{color:#9a9a9a}dd{margin:0;font-variant-numeric:tabular-nums}
.ok{color:#4ade80}.bad{color:#f87171}.muted{color:#9a9a9a}ul{margin:.3em 0;padding-left:1.2em}li{margin:.15em 0;overflow-wrap:anywhere}
`;

const SCRIPT = `
const $ = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const num = (v, unit = '') => v === null || v === undefined ? '–' : v + unit;
const ago = (iso) => iso === null ? 'never' : Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)) + ' s ago';
function list(pairs) { const dl = $('dl'); for (const [k, v, cls] of pairs) { dl.append($('dt', k)); dl.append($('dd', v, cls)); } return dl; }
const cards = new Map();
function camera(c) {
  let card = cards.get(c.name);
  if (!card) {
    const section = $('section'); section.dataset.camera = c.name;
    const img = $('img'); img.alt = 'latest frame of ' + c.name; img.dataset.version = '0';
    section.append($('h2', c.name), img, $('dl'), $('ul'));
    card = { section, img }; cards.set(c.name, card);
    document.getElementById('cameras').append(section);
  }
  const p = c.picture;
  if (p && String(p.version) !== card.img.dataset.version) {
    card.img.dataset.version = String(p.version);
    card.img.src = 'api/cameras/' + encodeURIComponent(c.name) + '/latest.jpg?v=' + p.version;
  }
  const gate = c.gate.enabled ? (c.gate.lastFrame === 'skipped' ? 'on: last frame skipped (no change)' : 'on: last frame passed') : 'off';
  card.section.querySelector('dl').replaceWith(list([
    ['source', c.sourceState, c.sourceState === 'running' ? 'ok' : 'bad'],
    ['frames/s', num(c.fps)], ['inference', p ? num(p.inferenceMs, ' ms') : '–'], ['change gate', gate],
    ['captured', c.framesCaptured], ['inferred', c.framesInferred], ['dropped', c.framesDropped], ['skipped', c.framesSkipped], ['results kept', c.resultsKept],
    ['frame', p ? '#' + p.frameSeq + ' at ' + new Date(p.capturedAt).toLocaleTimeString() : 'waiting for the first picture'],
  ]));
  const ul = $('ul');
  for (const d of p ? p.detections : []) ul.append($('li', d.label + ' ' + Math.round(d.score * 100) + '% (' + d.model + ')'));
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
