/**
 * Console benchmark: the agent's frames/s on one camera fed faster than it can infer, with no
 * console viewer and with one live viewer (an open `/api/events` connection, which turns the
 * frame tap on and draws one JPEG per console interval). Phases alternate (none, viewer, ...)
 * so a machine that gets busier or quieter shows in both; the load average is printed per phase. Target: with a viewer at the
 * default 1 s interval, frames/s within the run-to-run noise of no viewer.
 * Run alone: node --import tsx test/bench/console.ts [secondsPerPhase] [pairs]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { addScene, renderOverlay } from '../../agent/console/overlay.js';
import type { SceneView } from '../../agent/console/scene-view.js';
import { sharedModels } from '../helpers/shared.js';
import { makeFrames } from './frames.js';

/** One measured phase. */
export interface ConsolePhase {
  viewer: boolean;
  seconds: number;
  frames: number;
  fps: number;
  /** JPEGs the console encoded during the phase. */
  encodes: number;
  /** One-minute load average at the phase's end. */
  load: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An open live-update connection, read and discarded until `stop()`. */
async function openViewer(url: string): Promise<{ stop: () => Promise<void> }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/events`, { signal: abort.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const reading = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return;
    } catch {
      // aborted by stop()
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await reading;
    },
  };
}

/** Runs the phases and returns them; `secondsPerPhase` of counting after 3 s of settling each. */
export async function runConsoleBench(secondsPerPhase = 15, pairs = 3): Promise<ConsolePhase[]> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-console-'));
  const frames = await makeFrames(24);
  const encode = await measureEncodeMs(frames);
  console.log(`one picture (1280x720 JPEG in, decode + one box + JPEG out): median ${encode.medianMs} ms, p90 ${encode.p90Ms} ms over ${3 * frames.length}`);
  const scene = await measureSceneMs(frames);
  console.log(`latest.jpg with two zones and a line (the picture in, zones drawn, JPEG out): median ${scene.medianMs} ms, p90 ${scene.p90Ms} ms over ${3 * frames.length}`);
  frames.forEach((f, i) => writeFileSync(join(dir, `${String(i).padStart(3, '0')}.jpg`), f));
  const loaded = loadConfig({
    document: {
      label: 'console bench',
      values: {
        deviceId: 'bench-console',
        dataDir: join(dir, 'data'),
        models: { mirror: sharedModels },
        health: { port: 0 },
        outbox: { synchronous: 'normal' },
        cameras: [{ name: 'cam', source: { type: 'files', path: dir, fps: 200, loop: true }, targetFps: 1000, models: [{ id: 'person-yolox-192', threshold: 0.5 }] }],
      },
    },
    env: {},
  });
  const rt = await AgentRuntime.start(loaded, { logger: silentLogger(), executableSearchPath: '' });
  const phases: ConsolePhase[] = [];
  try {
    const url = rt.console?.url;
    if (url === undefined) throw new Error('the console is not serving');
    const cam = rt.cameras[0];
    if (cam === undefined) throw new Error('no camera');
    for (const viewer of Array.from({ length: 2 * pairs }, (_, i) => i % 2 === 1)) {
      const v = viewer ? await openViewer(url) : undefined;
      await sleep(3000);
      const f0 = cam.stats().framesInferred;
      const e0 = rt.console?.tap.encodes ?? 0;
      const t0 = performance.now();
      await sleep(secondsPerPhase * 1000);
      const seconds = (performance.now() - t0) / 1000;
      const frames = cam.stats().framesInferred - f0;
      phases.push({ viewer, seconds, frames, fps: frames / seconds, encodes: (rt.console?.tap.encodes ?? 0) - e0, load: loadavg()[0] ?? 0 });
      await v?.stop();
    }
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return phases;
}

/**
 * Milliseconds per picture (decode, draw one box, encode) on `frames`, median and p90: the work a
 * viewer adds per camera per interval, measured alone so it does not drown in the phases' noise.
 */
export async function measureEncodeMs(frames: readonly Buffer[]): Promise<{ medianMs: number; p90Ms: number }> {
  const times: number[] = [];
  const box = [{ model: 'person-yolox-192', label: 'person', score: 0.9, box: { x: 100, y: 80, width: 300, height: 500 } }];
  for (let round = 0; round < 3; round++)
    for (const f of frames) {
      const t0 = performance.now();
      await renderOverlay({ kind: 'encoded', data: f }, box);
      times.push(performance.now() - t0);
    }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round((times[Math.floor(q * (times.length - 1))] ?? 0) * 10) / 10;
  return { medianMs: at(0.5), p90Ms: at(0.9) };
}

/** Two zones and a line, as a camera with a scene has. */
const BENCH_SCENE: SceneView = {
  zones: [
    { name: 'bay', polygon: [[0.55, 0.55], [0.97, 0.55], [0.97, 0.97], [0.6, 0.97]], labels: null },
    { name: 'desk', polygon: [[0.05, 0.6], [0.27, 0.6], [0.27, 0.8], [0.05, 0.8]], labels: null },
  ],
  lines: [{ name: 'entrance', from: [0.42, 0.5], to: [0.42, 0.98], labels: null }],
};

/**
 * Milliseconds to add the zones and lines to a picture (what latest.jpg costs on top of the
 * picture, once per picture, for a camera with a scene), median and p90.
 */
export async function measureSceneMs(frames: readonly Buffer[]): Promise<{ medianMs: number; p90Ms: number }> {
  const pictures = await Promise.all(frames.map(async (f) => (await renderOverlay({ kind: 'encoded', data: f }, [])).jpeg));
  const times: number[] = [];
  for (let round = 0; round < 3; round++)
    for (const p of pictures) {
      const t0 = performance.now();
      await addScene(p, BENCH_SCENE, { bay: 1, desk: 0 });
      times.push(performance.now() - t0);
    }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round((times[Math.floor(q * (times.length - 1))] ?? 0) * 10) / 10;
  return { medianMs: at(0.5), p90Ms: at(0.9) };
}

/** The phases as a table, and the ratio of the viewer phases' frames/s to the others'. */
export function formatConsoleBench(phases: readonly ConsolePhase[]): string {
  const lines = ['| phase | viewer | seconds | frames | frames/s | JPEG encodes | load avg |', '| --- | --- | --- | --- | --- | --- | --- |'];
  phases.forEach((p, i) => lines.push(`| ${i + 1} | ${p.viewer ? 'one, 1 s interval' : 'none'} | ${p.seconds.toFixed(1)} | ${p.frames} | ${p.fps.toFixed(1)} | ${p.encodes} | ${p.load.toFixed(1)} |`));
  const rate = (v: boolean) => {
    const ps = phases.filter((p) => p.viewer === v);
    return ps.reduce((a, p) => a + p.frames, 0) / ps.reduce((a, p) => a + p.seconds, 0);
  };
  lines.push(`with a viewer / without: ${(rate(true) / rate(false)).toFixed(3)}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatConsoleBench(await runConsoleBench(Number(process.argv[2] ?? 15), Number(process.argv[3] ?? 3))));
}
