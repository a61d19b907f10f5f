import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/util/logger';
import type { HttpRequestInfo, HttpResponseInfo, Route } from './sources/types';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Exact-path routing for the bridge's few HTTP endpoints (health and source webhooks). Bodies are
 * read up to the route's limit and never beyond: a larger one is answered 413 without buffering it.
 */
export class Router {
  private readonly _routes = new Map<string, Map<string, Route>>();

  constructor(
    private readonly _logger: Logger,
    /** Checks the bridge token for routes with auth "bridge-token". */
    private readonly _authorize: (req: IncomingMessage) => boolean,
  ) {}

  add(route: Route): void {
    if (!route.path.startsWith('/')) throw new Error(`route path must start with "/": ${route.path}`);
    let byMethod = this._routes.get(route.path);
    if (!byMethod) this._routes.set(route.path, (byMethod = new Map<string, Route>()));
    if (byMethod.has(route.method)) throw new Error(`route ${route.method} ${route.path} is registered twice`);
    byMethod.set(route.method, route);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://bridge.invalid').pathname;
    } catch {
      return send(res, { status: 400, body: { error: 'bad request' } });
    }
    const byMethod = this._routes.get(pathname);
    if (!byMethod) return drainAnd(req, res, { status: 404, body: { error: 'not found' } });
    const route = byMethod.get(req.method ?? '');
    if (!route) {
      res.setHeader('allow', [...byMethod.keys()].join(', '));
      return drainAnd(req, res, { status: 405, body: { error: 'method not allowed' } });
    }
    if ((route.auth ?? 'bridge-token') === 'bridge-token' && !this._authorize(req)) {
      res.setHeader('www-authenticate', 'Bearer');
      return drainAnd(req, res, { status: 401, body: { error: 'unauthorized' } });
    }
    const max = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) return drainAnd(req, res, { status: 413, body: { error: `body larger than ${max} bytes` } });

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > max) {
        tooLarge = true;
        chunks.length = 0;
        send(res, { status: 413, body: { error: `body larger than ${max} bytes` } });
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) return;
      const info: HttpRequestInfo = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      // A handler that throws synchronously must answer 500 like a rejected one, not crash the bridge.
      let handled: Promise<HttpResponseInfo>;
      try {
        handled = route.handle(info);
      } catch (e) {
        handled = Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      handled.then(
        (r) => send(res, r),
        (e: unknown) => {
          this._logger.error(`${route.method} ${route.path} failed: ${e instanceof Error ? e.message : String(e)}`);
          send(res, { status: 500, body: { error: 'internal error' } });
        },
      );
    });
  }
}

/** Answers without reading the body: the rest of it is discarded (not buffered) and the connection closed. */
function drainAnd(req: IncomingMessage, res: ServerResponse, r: HttpResponseInfo): void {
  res.setHeader('connection', 'close');
  send(res, r);
  req.resume();
}

function send(res: ServerResponse, r: HttpResponseInfo): void {
  if (res.headersSent) return;
  const isText = typeof r.body === 'string';
  const body = r.body === undefined ? '' : isText ? (r.body as string) : JSON.stringify(r.body);
  res.writeHead(r.status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
