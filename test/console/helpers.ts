/**
 * A real agent for the console tests: the files source over the shared images, the person model
 * from the shared mirror, the health server (and the console) on a free port, and headless
 * Debian chromium driven by playwright-core (never its own browser downloads).
 */
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../../agent/config/load-config.js';
import { silentLogger } from '../../agent/log/logger.js';
import { AgentRuntime } from '../../agent/runtime/agent-runtime.js';
import { sharedModels } from '../helpers/shared.js';

/** Where Debian's chromium package puts the browser. */
export const chromiumPath = '/usr/bin/chromium';

/** A camera of the test agent: its name, the files source's path, and keys of its own (zones, lines, models). */
export interface TestCamera {
  name: string;
  path: string;
  keys?: Record<string, unknown>;
}

/** Starts an agent with `cameras` and `extra` top-level keys; stopped at teardown. */
export async function startAgent(t: Test, cameras: TestCamera[], extra: Record<string, unknown> = {}): Promise<{ rt: AgentRuntime; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-console-'));
  const started: { rt?: AgentRuntime } = {};
  t.teardown(async () => {
    await started.rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const values = {
    deviceId: 'console-test',
    dataDir,
    models: { mirror: sharedModels },
    health: { port: 0 },
    cameras: cameras.map((c) => ({ name: c.name, source: { type: 'files', path: c.path, fps: 4, loop: true }, targetFps: 4, models: [{ id: 'person-yolox-192', threshold: 0.5 }], ...c.keys })),
    ...extra,
  };
  const loaded = loadConfig({ document: { values, label: 'console test' }, env: {} });
  started.rt = await AgentRuntime.start(loaded, { logger: silentLogger(), executableSearchPath: '' });
  return { rt: started.rt, dataDir };
}

/** Headless chromium with a fresh profile; closed at teardown. `phone`: a 390 px touch screen, so taps are real touch events. */
export async function openBrowser(t: Test, phone = false): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'edge-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: phone ? { width: 390, height: 844 } : { width: 1100, height: 900 },
    ...(phone ? { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : {}),
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

/** Waits until `cond` holds (polling), up to `ms`; returns whether it did. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A browser-side expression (text: the tests have no DOM types) true once camera `name`'s picture has loaded. */
export function pictureShown(name: string): string {
  return `(() => { const img = document.querySelector('section[data-camera=${JSON.stringify(name)}] img'); return img !== null && img.complete && img.naturalWidth > 0; })()`;
}
