/**
 * The console's routes and its heartbeat. Every `frameIntervalMs` it samples the counters; while
 * someone watches (a live-update connection open, or an API request in the last few intervals)
 * it also turns the frame tap on, draws the newest frames and pushes the state to every open
 * connection. Nothing it serves changes the agent: every route is a GET.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import { decideAccess, TOKEN_COOKIE } from './access.js';
import type { FrameBoard } from './board.js';
import type { StateSampler } from './console-state.js';
import { consolePage } from './page.js';

/** The console's bounds and timing. */
export interface LocalConsoleOptions {
  frameIntervalMs: number;
  maxViewers: number;
  /** Asked of every request; undefined on a loopback address. */
  token: string | undefined;
  logger: Logger;
}

/** A slow viewer whose unsent updates exceed this is disconnected rather than buffered without end. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** Serves the console; `handle` fits the health server's mount point and the console's own server. */
export class LocalConsole {
  private readonly viewers = new Set<ServerResponse>();
  private lingerUntilMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** How long the tap stays on after an API request with no live connection. */
  private readonly lingerMs: number;

  constructor(
    private readonly board: FrameBoard,
    private readonly sampler: StateSampler,
    private readonly o: LocalConsoleOptions,
  ) {
    this.lingerMs = Math.max(5000, 3 * o.frameIntervalMs);
  }

  /** Starts the interval timer (unref'd: it never keeps the process alive). */
  start(): void {
    this.sampler.sample();
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.o.logger.error({ err }, 'console update failed'));
    }, this.o.frameIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and closes every live connection. */
  close(): void {
    clearInterval(this.timer);
    this.board.setActive(false);
    for (const res of this.viewers) res.end();
    this.viewers.clear();
  }

  /** Answers the console's paths; false for any other path (the health server then says 404). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== '/' && !path.startsWith('/api/')) return false;
    try {
      const access = decideAccess(req, url, this.o.token);
      if (!access.allow) {
        send(res, access.status, 'text/plain; charset=utf-8', `${access.reason}\n`);
        return true;
      }
      if (access.fromQuery) {
        // Into a cookie and out of the address bar, the history and any shared screenshot.
        url.searchParams.delete('token');
        res.writeHead(303, {
          location: `${url.pathname}${url.search}`,
          'set-cookie': `${TOKEN_COOKIE}=${this.o.token ?? ''}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
        });
        res.end();
        return true;
      }
      await this.route(req, res, path);
    } catch (err) {
      // Never thrown to the server: a console problem must not look like a health failure.
      this.o.logger.warn({ err, path }, 'console request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    }
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/') {
      send(res, 200, 'text/html; charset=utf-8', consolePage(this.o.frameIntervalMs));
      return;
    }
    if (path === '/api/state') {
      this.touch();
      send(res, 200, 'application/json', `${JSON.stringify(this.sampler.state(this.viewers.size))}\n`);
      return;
    }
    if (path === '/api/events') {
      this.openEvents(req, res);
      return;
    }
    const m = /^\/api\/cameras\/([^/]+)\/latest\.jpg$/.exec(path);
    if (m !== null) {
      await this.latestJpeg(res, decodeURIComponent(m[1] as string), new URL(req.url ?? '/', 'http://localhost').searchParams.get('scene') !== '0');
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found; the console answers /, /api/state, /api/events and /api/cameras/<name>/latest.jpg\n');
  }

  /** The newest picture; with `scene`, the zones and lines drawn in too (the page asks without: it draws them itself). */
  private async latestJpeg(res: ServerResponse, camera: string, scene: boolean): Promise<void> {
    const known = this.sampler.cameraNames();
    if (!known.includes(camera)) {
      send(res, 404, 'text/plain; charset=utf-8', `no camera ${JSON.stringify(camera.slice(0, 100))}; cameras: ${known.join(', ')}\n`);
      return;
    }
    this.touch();
    // With nobody watching there is no picture yet: the tap is on now, so wait a few intervals for one.
    for (let i = 0; i < 5 && this.board.picture(camera) === undefined; i++) await this.board.nextRefresh(2 * this.o.frameIntervalMs);
    const picture = scene ? await this.board.pictureWithScene(camera) : this.board.picture(camera);
    if (picture === undefined) {
      res.setHeader('retry-after', String(Math.ceil(this.o.frameIntervalMs / 1000)));
      send(res, 503, 'text/plain; charset=utf-8', `camera ${camera} has delivered no frame the console could draw yet; try again shortly\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': picture.jpeg.length, 'cache-control': 'no-store', 'x-frame-seq': String(picture.state.frameSeq) });
    res.end(picture.jpeg);
  }

  private openEvents(req: IncomingMessage, res: ServerResponse): void {
    if (this.viewers.size >= this.o.maxViewers) {
      send(res, 503, 'text/plain; charset=utf-8', `the console already serves ${this.o.maxViewers} live viewers (console.maxViewers); close one and try again\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.viewers.add(res);
    req.on('close', () => {
      this.viewers.delete(res);
    });
    this.board.setActive(true);
    this.push(res, this.sampler.state(this.viewers.size));
  }

  private push(res: ServerResponse, state: unknown): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.viewers.delete(res);
      res.destroy();
      return;
    }
    res.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
  }

  private touch(): void {
    this.lingerUntilMs = Date.now() + this.lingerMs;
    if (!this.board.active) this.board.setActive(true);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      this.sampler.sample();
      const watched = this.viewers.size > 0 || Date.now() < this.lingerUntilMs;
      if (watched !== this.board.active) this.board.setActive(watched);
      if (!watched) return;
      await this.board.refresh();
      if (this.viewers.size === 0) return;
      const state = this.sampler.state(this.viewers.size);
      for (const res of this.viewers) this.push(res, state);
    } finally {
      this.ticking = false;
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
