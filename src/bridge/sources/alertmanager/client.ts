/**
 * Alertmanager's REST API v2, typed: every answer is validated (schemas.ts) before it is returned, and
 * every failure becomes an `AlertmanagerError` whose message says what went wrong in words a person can
 * act on ("connection refused", "HTTP 400: silence invalid: …", "answer was not valid: [0].labels: …").
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type * as v from 'valibot';
import {
  ApiAlertsSchema,
  ApiSilenceSchema,
  ApiSilencesSchema,
  ApiStatusSchema,
  parseWith,
  PostSilenceResponseSchema,
  type ApiAlert,
  type ApiSilence,
  type Matcher,
} from './schemas';
import { errorText } from '../../../core/util/errors';
import { redactUrl } from '../../../core/util/url';

export class AlertmanagerError extends Error {
  constructor(
    message: string,
    /** HTTP status when Alertmanager answered; undefined when it could not be reached. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface AlertmanagerClientOptions {
  /** Base URL, e.g. http://127.0.0.1:9093 or https://host/alertmanager (a --web.route-prefix). */
  url: string;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
}

export interface NewSilence {
  /** Updates this silence (POST /api/v2/silences with its id); Alertmanager may answer with a new id when it cannot update in place. */
  id?: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}


export class AlertmanagerClient {
  private readonly _http: AxiosInstance;
  readonly displayUrl: string;

  constructor(opts: AlertmanagerClientOptions) {
    const base = new URL(opts.url);
    const auth = base.username ? { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) } : undefined;
    base.username = '';
    base.password = '';
    this.displayUrl = redactUrl(opts.url);
    this._http = axios.create({
      baseURL: base.toString().replace(/\/+$/, ''),
      timeout: opts.timeoutMs ?? 10_000,
      ...(auth ? { auth } : {}),
      // Statuses and JSON are checked here, with messages that name the problem.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      maxContentLength: 256 * 1024 * 1024,
      maxRedirects: 0,
      headers: { accept: 'application/json', 'user-agent': 'oncall-bridge' },
    });
  }

  /** Every alert Alertmanager holds (active, silenced, inhibited and unprocessed; never resolved ones). */
  async alerts(): Promise<ApiAlert[]> {
    return this._get('/api/v2/alerts', ApiAlertsSchema);
  }

  async silence(id: string): Promise<ApiSilence | undefined> {
    const res = await this._request('GET', `/api/v2/silence/${encodeURIComponent(id)}`);
    if (res.status === 404) return undefined;
    return this._parse(res, ApiSilenceSchema, `GET /api/v2/silence/${id}`);
  }

  async silences(): Promise<ApiSilence[]> {
    return this._get('/api/v2/silences', ApiSilencesSchema);
  }

  /** Alertmanager's start time (epoch ms): it forgets every alert on restart, and this tells us it did. */
  async startedAt(): Promise<number> {
    return (await this._get('/api/v2/status', ApiStatusSchema)).uptime;
  }

  async createSilence(s: NewSilence): Promise<string> {
    const body = {
      ...(s.id !== undefined ? { id: s.id } : {}),
      matchers: s.matchers,
      startsAt: new Date(s.startsAt).toISOString(),
      endsAt: new Date(s.endsAt).toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    };
    const res = await this._request('POST', '/api/v2/silences', body);
    return this._parse(res, PostSilenceResponseSchema, 'POST /api/v2/silences').silenceID;
  }

  /**
   * Expires a silence. True when Alertmanager expired it (or it had already expired); false when it
   * does not know the id (0.25 answers that with 500 "silence not found").
   */
  async expireSilence(id: string): Promise<boolean> {
    const res = await this._request('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
    if (res.status >= 200 && res.status < 300) return true;
    if (res.status === 404 || /silence not found/i.test(res.data)) return false;
    throw this._httpError(`DELETE /api/v2/silence/${id}`, res);
  }

  private async _get<S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>> {
    return this._parse(await this._request('GET', path), schema, `GET ${path}`);
  }

  private async _request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<AxiosResponse<string>> {
    let failure: unknown;
    try {
      return await this._http.request<string>({ method, url: path, data: body });
    } catch (e) {
      failure = e;
    }
    // A kept-alive connection that the server closed (e.g. it restarted) fails once with ECONNRESET:
    // the next attempt opens a new one. Only for requests that are safe to repeat.
    if (method !== 'POST' && axios.isAxiosError(failure) && failure.code === 'ECONNRESET') {
      try {
        return await this._http.request<string>({ method, url: path, data: body });
      } catch (e) {
        failure = e;
      }
    }
    throw new AlertmanagerError(`${method} ${path}: Alertmanager at ${this.displayUrl} is unreachable (${networkReason(failure)})`);
  }

  private _parse<S extends v.GenericSchema>(res: AxiosResponse<string>, schema: S, what: string): v.InferOutput<S> {
    if (res.status < 200 || res.status >= 300) throw this._httpError(what, res);
    let json: unknown;
    try {
      json = JSON.parse(res.data);
    } catch {
      throw new AlertmanagerError(`${what}: Alertmanager at ${this.displayUrl} answered with something that is not JSON (${clip(res.data)})`, res.status);
    }
    const r = parseWith(schema, json);
    if (!r.ok) throw new AlertmanagerError(`${what}: unexpected answer from Alertmanager at ${this.displayUrl}: ${r.error}`, res.status);
    return r.value;
  }

  private _httpError(what: string, res: AxiosResponse<string>): AlertmanagerError {
    const text = typeof res.data === 'string' ? res.data.trim() : '';
    return new AlertmanagerError(`${what}: Alertmanager at ${this.displayUrl} answered HTTP ${res.status}${text ? `: ${clip(text)}` : ''}`, res.status);
  }
}

function networkReason(e: unknown): string {
  if (axios.isAxiosError(e)) {
    if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') return 'timed out';
    if (e.code === 'ECONNREFUSED') return 'connection refused';
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `host not found (${e.code})`;
    if (e.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || /maxContentLength/.test(e.message)) return 'answer too large';
    return e.code ? `${e.code}: ${e.message}` : e.message;
  }
  return errorText(e);
}

function clip(s: string, max = 200): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max)}…` : one;
}
