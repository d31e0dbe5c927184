/**
 * The health endpoint: `/healthz` (the process answers), `/readyz` (models warmed up and cameras
 * delivering; 503 with reasons otherwise) and `/metrics` (Prometheus text). Plain node:http,
 * bound to loopback by default, because the only clients are a local supervisor and a scraper.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import { healthErrors } from './errors.js';
import type { AgentMetrics } from './metrics.js';
import type { Readiness, ReadinessCheck } from './readiness.js';

/** What the server needs. */
export interface HealthServerOptions {
  /** Address to bind; 127.0.0.1 keeps it off the network. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  metrics: AgentMetrics;
  readiness: ReadinessCheck;
  logger: Logger;
}

/**
 * More GET routes on the same server (the local console): answers and returns true when the
 * path is its own, false otherwise. It must not throw; the health routes are matched first.
 */
export type MountedRoutes = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** A listening health server. */
export interface HealthServer {
  /** Base URL, such as http://127.0.0.1:9464. */
  readonly url: string;
  readonly port: number;
  /** Adds routes for paths the health endpoint does not answer (one set; a second call replaces it). */
  mount(routes: MountedRoutes): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function readiness(check: ReadinessCheck): Promise<Readiness> {
  try {
    return await check();
  } catch (err) {
    return { ready: false, reasons: [`readiness check failed: ${describeError(err)}`] };
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions, mounted: MountedRoutes | undefined): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  switch (path) {
    case '/healthz':
      send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    case '/readyz': {
      const answer = await readiness(options.readiness);
      send(res, answer.ready ? 200 : 503, 'application/json', `${JSON.stringify(answer)}\n`);
      return;
    }
    case '/metrics':
      send(res, 200, options.metrics.registry.contentType, await options.metrics.registry.metrics());
      return;
    default:
      if (mounted !== undefined && (await mounted(req, res))) return;
      send(res, 404, 'text/plain; charset=utf-8', 'not found; try /healthz, /readyz or /metrics\n');
  }
}

/** Starts listening; throws EDGE_HEALTH_LISTEN_FAILED (with the fix) when the port cannot be bound. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  let mounted: MountedRoutes | undefined;
  const server = createServer((req, res) => {
    handle(req, res, options, mounted).catch((err: unknown) => {
      options.logger.error({ err: describeError(err), path: (req.url ?? '').split('?')[0] }, 'health request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const fix =
        err.code === 'EADDRINUSE'
          ? `; another process uses it (find it with \`ss -ltnp 'sport = :${options.port}'\`) or set health.port / EDGE_AGENT_HEALTH__PORT to a free port`
          : err.code === 'EADDRNOTAVAIL'
            ? '; set health.host to an address of this machine (127.0.0.1 is always one)'
            : err.code === 'EACCES'
              ? '; ports below 1024 need root, so choose a higher health.port'
              : '';
      reject(
        healthErrors.EDGE_HEALTH_LISTEN_FAILED(`Expected to listen on ${options.host}:${options.port} for the health endpoint but: ${err.message}${fix}`, { host: options.host, port: options.port, code: err.code }, err),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  options.logger.info({ host: options.host, port }, 'health endpoint listening');
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    mount: (routes) => {
      mounted = routes;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
