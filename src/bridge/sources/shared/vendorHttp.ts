/**
 * A small HTTP client for vendor REST APIs (PagerDuty, Splunk On-Call, Grafana IRM), over axios.
 *
 * Why a wrapper and not axios directly:
 *  - secrets: axios errors carry `config.headers` (the API token) and the whole request; anything that
 *    logs or rethrows them leaks the token. Every failure here becomes a `VendorHttpError` built from
 *    method, path, status and the vendor's own error text only.
 *  - 429: `Retry-After` (seconds or an HTTP date) is honoured with a bounded wait and a bounded number
 *    of retries; after that the caller gets the wait in `retryAfterMs` so a poller can back off.
 *  - bodies: the raw text is parsed here, so a malformed body is a clear error ("not valid JSON") and
 *    valibot validation names the field that is wrong.
 *  - redirects are not followed: the token header must not travel to another host.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import * as v from 'valibot';
import type { Logger } from '../../../core/util/logger';
import { errorText } from '../../../core/util/errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface VendorHttpOptions {
  /** Used in messages: "PagerDuty GET /incidents: HTTP 500". */
  vendor: string;
  baseUrl: string;
  /** Sent with every request; may contain secrets (never logged). */
  headers: Record<string, string>;
  logger: Logger;
  /** Per request. Default 20 s. */
  timeoutMs?: number;
  /** Waits for Retry-After. Injected by tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** 429 retries within one call before giving up. Default 2. */
  maxRateLimitRetries?: number;
  /** Longest Retry-After we wait inside one call; longer ones are handed to the caller. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Largest response body accepted. Default 20 MiB. */
  maxBodyBytes?: number;
  /** Told about every HTTP exchange (each attempt, 429 retries included): the bridge's metrics. Must not throw. */
  observe?: (call: VendorCall) => void;
}

/** How one vendor HTTP exchange went (for metrics: bounded values only, never a URL or a token). */
export interface VendorCall {
  vendor: string;
  method: HttpMethod;
  /** From sending the request to having the response (or the network failure). */
  durationMs: number;
  /** ok; http_error (a non-success status); rate_limited (429); network (no response); invalid_response (not JSON, or not the expected shape). */
  outcome: 'ok' | 'http_error' | 'rate_limited' | 'network' | 'invalid_response';
  status?: number;
}

export interface RequestOptions<T> {
  /** Appended as a query string (arrays repeat the key, e.g. `statuses[]`). */
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Validates the parsed body; without it the body is returned as `unknown`. */
  schema?: v.GenericSchema<unknown, T>;
  /** Statuses treated as success. Default 200–299. */
  okStatus?: (status: number) => boolean;
}

/** A failed vendor call, safe to log and to show: it never holds headers or tokens. */
export class VendorHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** For 429: how long the vendor asked us to wait. */
    readonly retryAfterMs?: number,
    /** The vendor's own error text, when it sent one. */
    readonly vendorMessage?: string,
  ) {
    super(message);
    this.name = 'VendorHttpError';
  }

  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export class VendorHttp {
  private readonly _axios: AxiosInstance;
  private readonly _sleep: (ms: number) => Promise<void>;
  private readonly _maxRetries: number;
  private readonly _maxRetryAfterMs: number;
  readonly baseUrl: URL;

  constructor(private readonly _opts: VendorHttpOptions) {
    this.baseUrl = new URL(_opts.baseUrl.endsWith('/') ? _opts.baseUrl : `${_opts.baseUrl}/`);
    if (this.baseUrl.protocol !== 'https:' && this.baseUrl.protocol !== 'http:') throw new Error(`${_opts.vendor}: the API URL must be http(s), got ${this.baseUrl.protocol}`);
    if (this.baseUrl.username || this.baseUrl.password) throw new Error(`${_opts.vendor}: remove the user name/password from the API URL`);
    this._axios = axios.create({
      timeout: _opts.timeoutMs ?? 20_000,
      maxRedirects: 0,
      maxContentLength: _opts.maxBodyBytes ?? 20 * 1024 * 1024,
      // We decide what a status means, and parse the text ourselves.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      // An environment proxy would see the token in clear for http:// URLs; vendors are https anyway.
      proxy: false,
    });
    this._sleep = _opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this._maxRetries = Math.max(0, _opts.maxRateLimitRetries ?? 2);
    this._maxRetryAfterMs = Math.max(0, _opts.maxRetryAfterMs ?? 60_000);
  }

  get vendor(): string {
    return this._opts.vendor;
  }

  /** Path relative to the base URL ("incidents", "/incidents"), or an absolute URL on the same origin. */
  resolve(pathOrUrl: string): URL {
    const u = /^https?:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(pathOrUrl.replace(/^\//, ''), this.baseUrl);
    // "next" links come from the vendor's response: never send our token to another origin.
    if (u.origin !== this.baseUrl.origin) throw new VendorHttpError(`${this.vendor}: refusing to follow a link to another host (${u.origin})`);
    return u;
  }

  async request<T = unknown>(method: HttpMethod, pathOrUrl: string, opts: RequestOptions<T> = {}): Promise<T> {
    const url = this.resolve(pathOrUrl);
    for (const [k, val] of Object.entries(opts.query ?? {})) {
      if (val === undefined) continue;
      if (Array.isArray(val)) for (const x of val as readonly string[]) url.searchParams.append(k, x);
      else url.searchParams.set(k, String(val));
    }
    const what = `${this.vendor} ${method} ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let res: AxiosResponse<string>;
      const started = performance.now();
      const observe = (outcome: VendorCall['outcome'], status?: number): void => {
        try {
          this._opts.observe?.({ vendor: this.vendor, method, durationMs: performance.now() - started, outcome, ...(status !== undefined ? { status } : {}) });
        } catch {
          // metrics must never break a vendor call
        }
      };
      try {
        res = await this._axios.request<string>({
          method,
          url: url.toString(),
          headers: { Accept: 'application/json', ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...this._opts.headers, ...opts.headers },
          data: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        });
      } catch (e) {
        observe('network');
        // Only the code and message: the axios error object holds the request headers.
        throw new VendorHttpError(`${what}: ${networkText(e)}`);
      }
      if (res.status === 429) {
        observe('rate_limited', 429);
        const wait = parseRetryAfter(headerText(res.headers['retry-after']), Date.now()) ?? 1000;
        if (attempt < this._maxRetries && wait <= this._maxRetryAfterMs) {
          this._opts.logger.warn(`${what}: rate limited (429); retrying in ${Math.ceil(wait / 1000)} s as the Retry-After header asks`);
          await this._sleep(wait);
          continue;
        }
        throw new VendorHttpError(`${what}: rate limited (429); retry after ${Math.ceil(wait / 1000)} s`, 429, wait);
      }
      const ok = opts.okStatus ?? ((s: number) => s >= 200 && s < 300);
      if (!ok(res.status)) {
        observe('http_error', res.status);
        const vendorMessage = extractVendorError(res.data);
        throw new VendorHttpError(`${what}: HTTP ${res.status}${vendorMessage ? ` (${vendorMessage})` : ''}`, res.status, undefined, vendorMessage);
      }
      const text = typeof res.data === 'string' ? res.data : '';
      let json: unknown;
      try {
        json = text.trim() ? parseJson(text, what) : undefined;
      } catch (e) {
        observe('invalid_response', res.status);
        throw e;
      }
      if (!opts.schema) {
        observe('ok', res.status);
        return json as T;
      }
      const r = v.safeParse(opts.schema, json, { abortEarly: true });
      if (!r.success) {
        observe('invalid_response', res.status);
        throw new VendorHttpError(`${what}: unexpected response (${issueText(r.issues)})`, res.status);
      }
      observe('ok', res.status);
      return r.output;
    }
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new VendorHttpError(`${what}: the response is not valid JSON (${errorText(e)})`);
  }
}

function headerText(h: unknown): string | undefined {
  if (typeof h === 'string') return h;
  if (Array.isArray(h) && typeof h[0] === 'string') return h[0];
  return undefined;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms, or undefined. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (/^\d+$/.test(t)) return Math.min(Number(t), 86_400) * 1000;
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The vendors' error shapes: PagerDuty {error:{message,errors}}, Grafana {detail}, Splunk {message}. */
export function extractVendorError(body: unknown): string | undefined {
  let json: unknown = body;
  if (typeof body === 'string') {
    try {
      json = JSON.parse(body) as unknown;
    } catch {
      return body.trim() ? clip(body.trim().split('\n')[0] ?? '', 200) : undefined;
    }
  }
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  const err = o.error;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const parts = [typeof e.message === 'string' ? e.message : undefined, Array.isArray(e.errors) ? e.errors.filter((x) => typeof x === 'string').join('; ') : undefined].filter((x) => !!x);
    if (parts.length) return clip(parts.join(': '), 300);
  }
  for (const k of ['detail', 'message', 'error']) if (typeof o[k] === 'string') return clip(o[k], 300);
  return undefined;
}

function networkText(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timed out';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  if (typeof code === 'string' && code) return code;
  return e instanceof Error ? clip(e.message, 200) : 'request failed';
}

function issueText(issues: readonly v.BaseIssue<unknown>[]): string {
  const i = issues[0];
  if (!i) return 'invalid';
  const path = i.path?.map((p) => String(p.key)).join('.') ?? '';
  return `${path ? `${path}: ` : ''}${i.message}`;
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
