/**
 * A tiny static file server on node:http, for `syswall playground`: GET and
 * HEAD only, files under one root (no directory listings, no path escapes),
 * content types for what a Vite build emits, and headers that keep the page
 * offline (a Content-Security-Policy allowing only same-origin resources and
 * no network connections).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { SyswallError } from '../core/errors.js';

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** Directory to serve; `/` serves its index.html. */
  root: string;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
}

/** A running server. */
export interface StaticServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bpf': 'application/octet-stream',
};

/** The page may load only its own files and make no network connections. */
export const PLAYGROUND_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'method not allowed\n');
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    send(res, 400, 'bad request\n');
    return;
  }
  if (pathname.includes('\0')) {
    send(res, 400, 'bad request\n');
    return;
  }
  let file = resolve(root, '.' + pathname);
  if (file !== root && !file.startsWith(root + sep)) {
    send(res, 403, 'forbidden\n');
    return;
  }
  try {
    let st = await stat(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = await stat(file);
    }
    if (!st.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': PLAYGROUND_CSP,
      'Referrer-Policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    send(res, 404, 'not found\n');
  }
}

/**
 * Serves `root` over HTTP. Rejects with a runtime {@link SyswallError}
 * (`LISTEN_FAILED`) when the address cannot be bound.
 */
export function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    handle(root, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(new SyswallError('LISTEN_FAILED', `cannot listen on ${host}:${options.port ?? 0}: ${e.code ?? e.message}`, {
        kind: 'runtime',
        cause: e,
        hint: e.code === 'EADDRINUSE' ? 'the port is taken: pick another with --port, or --port 0 for any free port' : undefined,
      }));
    });
    server.listen(options.port ?? 0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : (options.port ?? 0);
      const shown = host.includes(':') ? `[${host}]` : host;
      resolveStart({
        url: `http://${shown}:${port}/`,
        port,
        host,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
