/**
 * A static file server on 127.0.0.1 for tests that need "the network": it serves a folder (or
 * replaced bytes per file name, for a server that sends the wrong file) and counts requests.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** A running file server: its base URL (ending in `/`), request count, and close. */
export interface FileServer {
  baseUrl: string;
  requests: () => string[];
  close: () => Promise<void>;
}

/** Serves `dir/<path>` for GET /<path>; `override` replaces the bytes of a path. */
export async function startFileServer(dir: string, override: Record<string, Buffer> = {}): Promise<FileServer> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/').replace(/^\/+/, '');
    seen.push(path);
    const replaced = override[path];
    // Only names inside `dir`: a test server never serves anything outside its folder.
    const read = replaced !== undefined ? Promise.resolve(replaced) : path.includes('..') ? Promise.reject(new Error('outside')) : readFile(join(dir, path));
    read.then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'x-file': basename(path) });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests: () => [...seen],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A base URL on 127.0.0.1 where nothing listens (a port bound, then closed): "no network". */
export async function closedBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
