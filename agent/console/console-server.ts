/**
 * The console's own HTTP server, for `console.port` set (a different address or port than the
 * health endpoint). GET and HEAD only: nothing the console serves changes the agent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleErrors } from './errors.js';

/** A listening console server. */
export interface ConsoleServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `host`:`port` and answers with `handle` (404 for what it does not answer). */
export async function startConsoleServer(host: string, port: number, handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>): Promise<ConsoleServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed; the console is read-only\n');
      return;
    }
    // handle() answers its own failures and never rejects.
    void handle(req, res).then((answered) => {
      if (answered) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found; the console answers /, /api/state, /api/events and /api/cameras/<name>/latest.jpg\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const fix =
        err.code === 'EADDRINUSE'
          ? `; another process uses it, so set console.port to a free port`
          : err.code === 'EADDRNOTAVAIL'
            ? '; set console.host to an address of this machine (127.0.0.1 is always one)'
            : err.code === 'EACCES'
              ? '; ports below 1024 need root, so choose a higher console.port'
              : '';
      reject(consoleErrors.EDGE_CONSOLE_LISTEN_FAILED(`Expected to listen on ${host}:${port} for the console but: ${err.message}${fix}`, { host, port, code: err.code }, err));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
