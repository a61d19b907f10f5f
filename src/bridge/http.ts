import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/util/logger';
import { isAllowedHostHeader, isBrowserRequest } from './auth';
import type { AuthFailureLimiter } from './rateLimit';
import type { HttpRequestInfo, HttpResponseInfo, Route } from './sources/types';
import { errorText } from '../core/util/errors';

/** What the router needs from the bridge to decide who may call a route (see `Route.auth`). */
export interface RouterPolicy {
  /** False in demo mode without a token: "bridge-token" routes are then open, and guarded like "none". */
  readonly tokenConfigured: boolean;
  /** Checks the bridge token (or a token the route also accepts, e.g. the metrics-only token on /metrics). */
  authorize(req: IncomingMessage, route: Route): boolean;
  /** Names besides IP literals and localhost that `Host` may carry on unauthenticated routes (--public-host). */
  readonly publicHosts: readonly string[];
  /** Per-address back-off after failed token checks. */
  readonly limiter: AuthFailureLimiter;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Exact-path routing for the bridge's few HTTP endpoints (health and source webhooks). Bodies are
 * read up to the route's limit and never beyond: a larger one is answered 413 without buffering it.
 */
export class Router {
  private readonly _routes = new Map<string, Map<string, Route>>();

  constructor(
    private readonly _logger: Logger,
    private readonly _policy: RouterPolicy,
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
    const refusal = this._refusal(req, route, res);
    if (refusal) return drainAnd(req, res, refusal);
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
        (r) => {
          // A module that checks its own secret says 401: that failure counts towards the caller's back-off.
          if (r.status === 401 && route.auth === 'self') this._policy.limiter.failed(remoteOf(req), undefined, route.path); // the module logged it
          send(res, r);
        },
        (e: unknown) => {
          this._logger.error(`${route.method} ${route.path} failed: ${errorText(e)}`);
          send(res, { status: 500, body: { error: 'internal error' } });
        },
      );
    });
  }

  /** Why `req` may not reach `route` (answered without reading the body), or undefined. */
  private _refusal(req: IncomingMessage, route: Route, res: ServerResponse): HttpResponseInfo | undefined {
    let auth = route.auth ?? 'bridge-token';
    if (auth === 'bridge-token' && !this._policy.tokenConfigured) auth = 'none';
    if (auth !== 'bridge-token' && isBrowserRequest(req.headers)) {
      return { status: 403, body: { error: 'requests from web pages are refused (Origin or Sec-Fetch-Site header present)' } };
    }
    if (auth === 'none') {
      if (!isAllowedHostHeader(req.headers.host, this._policy.publicHosts)) {
        return { status: 421, body: { error: 'this Host is not a name the bridge serves: use its IP address or localhost, or start the bridge with --public-host NAME' } };
      }
      if ((req.method === 'POST' || req.method === 'PUT') && !isJson(req.headers['content-type'])) {
        return { status: 415, body: { error: 'send the body as Content-Type: application/json' } };
      }
      return undefined;
    }
    const remote = remoteOf(req);
    // A module's own secret has its own budget (see AuthFailureLimiter.blockedFor).
    const scope = auth === 'self' ? route.path : 'bridge';
    const wait = this._policy.limiter.blockedFor(remote, scope);
    if (wait > 0) {
      this._policy.limiter.refused(remote, scope);
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      return { status: 429, body: { error: 'too many failed attempts from this address: try again later' } };
    }
    if (auth === 'bridge-token' && !this._policy.authorize(req, route)) {
      this._policy.limiter.failed(remote, `request to ${route.path} (${req.headers.authorization === undefined ? 'no token' : 'wrong token'})`);
      res.setHeader('www-authenticate', 'Bearer');
      return { status: 401, body: { error: 'unauthorized' } };
    }
    return undefined;
  }
}

/** Bodies may only be JSON on unauthenticated routes (type/subtype, parameters such as charset allowed). */
function isJson(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && /^\s*application\/json\s*(;|$)/i.test(contentType);
}

function remoteOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '?';
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
    // No keep-alive: every connection carries one request, so an idle one is always a new one (see ConnectionGuard).
    connection: 'close',
  });
  res.end(body);
}
