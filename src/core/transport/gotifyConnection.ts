/**
 * Direct connection to Gotify (https://gotify.net/docs/): `GET /stream` upgraded to a WebSocket,
 * client token in `X-Gotify-Key` (never in the URL). Frames are messages:
 * `{id, appid, message, title?, priority?, date, extras?}`.
 *
 * Severity from the Gotify priority (0–10, apps choose): ≥8 → critical, 6–7 → high, 4–5 → warning,
 * 0–3 → info. The service is the application's name (GET /application), else "app <id>".
 * Optional extras: `client::notification.click.url` → the alert URL; `oncall::alert` may carry
 * {service, environment, severity, stackTrace, runbookUrl, release, commitSha}.
 *
 * Catch-up: Gotify's stream has no resume, so after every (re)connect the newest messages are read
 * with `GET /message?limit=N`: what arrived while we were away is not lost.
 *
 * ack/unack are local to this window. Resolve DELETEs the message (`DELETE /message/{id}`) only when
 * `allowDelete` is on (the user's choice: it removes it for every Gotify client); otherwise resolve is
 * local too. The server pings; `ws` answers pings by itself.
 */
import * as v from 'valibot';
import { isIsoTime } from '../protocol/schemas';
import { PROTOCOL_VERSION, type Alert, type HelloMessage, type ResultMessage, type Severity } from '../protocol/types';
import { DirectConnection, later, type DirectConnectionOptions } from './directConnection';
import { errorText } from '../util/errors';
import { looksLikeStackTrace } from '../util/stackTraceText';

export type HttpFetch = (url: string, init: { method: string; headers: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface GotifyConnectionOptions extends DirectConnectionOptions {
  /** `oncall.gotify.allowDelete`: resolve deletes the message on the server. Default false. */
  allowDelete?: boolean;
  /** Messages read after each connect. Default 100. */
  catchUpLimit?: number;
  /** Tests; default global fetch with redirects refused. */
  fetch?: HttpFetch;
}

const MAX_TEXT = 64 * 1024;

const GotifyMessageSchema = v.object({
  id: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  appid: v.pipe(v.number(), v.safeInteger()),
  message: v.pipe(v.string(), v.maxLength(MAX_TEXT)),
  title: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(4096)))),
  priority: v.optional(v.nullable(v.pipe(v.number(), v.integer()))),
  date: v.string(),
  extras: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
});
export type GotifyMessage = v.InferOutput<typeof GotifyMessageSchema>;

const GotifyPageSchema = v.object({ messages: v.array(v.unknown()) });
const ApplicationsSchema = v.array(v.object({ id: v.number(), name: v.string() }));

const OncallExtraSchema = v.object({
  service: v.optional(v.string()),
  environment: v.optional(v.string()),
  severity: v.optional(v.picklist(['critical', 'high', 'warning', 'info'])),
  stackTrace: v.optional(v.string()),
  runbookUrl: v.optional(v.string()),
  release: v.optional(v.string()),
  commitSha: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{7,40}$/i))),
});

export function gotifyPriorityToSeverity(p: number | null | undefined): Severity {
  const n = p ?? 0;
  if (n >= 8) return 'critical';
  if (n >= 6) return 'high';
  if (n >= 4) return 'warning';
  return 'info';
}

export function gotifyToAlert(m: GotifyMessage, appName: string | undefined): Alert | undefined {
  const ms = Date.parse(m.date);
  if (Number.isNaN(ms)) return undefined;
  const at = isIsoTime(m.date) ? m.date : new Date(ms).toISOString();
  const firstLine = m.message.split('\n', 1)[0]?.trim() ?? '';
  const a: Alert = {
    id: String(m.id),
    title: m.title?.trim() || firstLine || `Gotify message ${m.id}`,
    severity: gotifyPriorityToSeverity(m.priority),
    status: 'triggered',
    service: appName ?? `app ${m.appid}`,
    startedAt: at,
    updatedAt: at,
    assignees: [],
    labels: { appid: String(m.appid), ...(m.priority !== undefined && m.priority !== null ? { priority: String(m.priority) } : {}) },
    source: 'gotify',
  };
  if (m.message) a.description = m.message;
  if (m.message && looksLikeStackTrace(m.message)) a.stackTrace = m.message;
  const click = (m.extras?.['client::notification'] as { click?: { url?: unknown } } | undefined)?.click?.url;
  if (typeof click === 'string' && /^https?:\/\//i.test(click)) a.url = click;
  const oc = v.safeParse(OncallExtraSchema, m.extras?.['oncall::alert']);
  if (oc.success) {
    const x = oc.output;
    if (x.service) a.service = x.service;
    if (x.environment) a.environment = x.environment;
    if (x.severity) a.severity = x.severity;
    if (x.stackTrace) a.stackTrace = x.stackTrace;
    if (x.runbookUrl && /^https?:\/\//i.test(x.runbookUrl)) a.runbookUrl = x.runbookUrl;
    if (x.release) a.release = x.release;
    if (x.commitSha) a.commitSha = x.commitSha.toLowerCase();
  }
  return a;
}

export class GotifyConnection extends DirectConnection {
  private readonly _helloMsg: HelloMessage;
  private readonly _apps = new Map<number, string>();
  private _token: string | undefined;
  private readonly _fetch: HttpFetch;

  constructor(private readonly _gotify: GotifyConnectionOptions) {
    super(_gotify, 'gotify');
    this._helloMsg = { type: 'hello', protocol: PROTOCOL_VERSION, server: 'Gotify', source: 'gotify', capabilities: ['ack', 'unack', 'resolve'] };
    this._fetch =
      _gotify.fetch ??
      ((url, init) =>
        // redirect "error": the token header must not follow a redirect to another host.
        fetch(url, { method: init.method, headers: init.headers, redirect: 'error', ...(init.signal ? { signal: init.signal } : {}) }));
  }

  protected get _hello(): HelloMessage {
    return this._helloMsg;
  }

  protected _socketUrl(base: URL): URL {
    const u = new URL(base.toString());
    if (!/\/stream\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, '')}/stream`;
    return u;
  }

  protected _authHeaders(token: string): Record<string, string> {
    return { 'X-Gotify-Key': token };
  }

  /** REST base: the configured URL without its /stream suffix. */
  private _rest(path: string): string {
    const u = this._httpBase();
    const [p = '', q] = path.split('?', 2);
    u.pathname = `${u.pathname.replace(/\/stream\/?$/, '').replace(/\/+$/, '')}/${p}`;
    if (q !== undefined) u.search = q;
    return u.toString();
  }

  private async _call(method: string, path: string, token: string | undefined): Promise<{ status: number; body: string }> {
    const ctrl = new AbortController();
    const timer = this._clock.setTimeout(() => ctrl.abort(), this._requestTimeoutMs);
    try {
      const res = await this._fetch(this._rest(path), { method, headers: token ? { 'X-Gotify-Key': token, Accept: 'application/json' } : { Accept: 'application/json' }, signal: ctrl.signal });
      return { status: res.status, body: await res.text() };
    } finally {
      timer.dispose();
    }
  }

  protected override async _afterOpen(token: string | undefined, live: () => boolean): Promise<void> {
    this._token = token;
    try {
      const apps = await this._call('GET', 'application', token);
      if (apps.status === 200) {
        const r = v.safeParse(ApplicationsSchema, JSON.parse(apps.body));
        if (r.success) for (const a of r.output) this._apps.set(a.id, a.name);
      }
    } catch (e) {
      this._log.debug(`could not read the application names: ${errorText(e)}`);
    }
    if (!live()) return;
    const res = await this._call('GET', `message?limit=${Math.max(1, Math.min(200, this._gotify.catchUpLimit ?? 100))}`, token);
    if (res.status !== 200) throw new Error(`GET /message answered HTTP ${res.status}`);
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new Error('GET /message: the response is not valid JSON');
    }
    const page = v.safeParse(GotifyPageSchema, json);
    if (!page.success) throw new Error('GET /message: unexpected response (messages: expected an array)');
    if (!live()) return;
    const alerts: Alert[] = [];
    for (const raw of [...page.output.messages].reverse()) {
      const a = this._toAlert(raw);
      if (a && !this.store.has(a.id)) alerts.push(a);
    }
    this._upsertAlerts(alerts);
    if (alerts.length) this._log.info(`caught up ${alerts.length} message(s)`);
  }

  private _toAlert(raw: unknown): Alert | undefined {
    const r = v.safeParse(GotifyMessageSchema, raw, { abortEarly: true });
    if (!r.success) {
      const i = r.issues[0];
      this._reject(`${i?.path?.map((p) => String(p.key)).join('.') ?? 'message'}: ${i?.message ?? 'invalid'}`);
      return undefined;
    }
    const a = gotifyToAlert(r.output, this._apps.get(r.output.appid));
    if (!a) this._reject(`message ${r.output.id}: date is not a time`);
    return a;
  }

  protected _onText(data: string): void {
    const json = this._parseFrame(data, MAX_TEXT * 2);
    if (json === undefined) return;
    const a = this._toAlert(json);
    if (!a) return;
    if (this.store.has(a.id)) return void this._stats.duplicates++;
    this._upsertAlerts([a]);
  }

  resolve(alertIds: readonly string[]): Promise<ResultMessage> {
    const resolveLocally = (note: string): Promise<ResultMessage> =>
      this._local('resolve', alertIds, (a, now) => (a.status === 'resolved' ? undefined : { ...a, status: 'resolved', resolvedAt: now, updatedAt: later(a.updatedAt, now) }), note);
    if (!this._gotify.allowDelete) {
      return resolveLocally('resolve is local to this window; set "oncall.gotify.allowDelete" to delete the message in Gotify instead');
    }
    return this._deleteAndResolve(alertIds);
  }

  private async _deleteAndResolve(alertIds: readonly string[]): Promise<ResultMessage> {
    const ids = this._checkIds('resolve', alertIds);
    if (!this._connected()) throw new Error('not connected to Gotify');
    const failed: string[] = [];
    const done: string[] = [];
    for (const id of ids) {
      try {
        const res = await this._call('DELETE', `message/${encodeURIComponent(id)}`, this._token);
        // 404: already deleted elsewhere — the outcome the user asked for.
        if (res.status === 200 || res.status === 204 || res.status === 404) done.push(id);
        else failed.push(`${id}: HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (the client token may not delete messages)' : ''}`);
      } catch (e) {
        failed.push(`${id}: ${errorText(e)}`);
      }
    }
    const now = new Date(this._clock.now()).toISOString();
    this.store.batch(() => {
      for (const id of done) {
        const a = this.store.get(id);
        if (a && a.status !== 'resolved') this.store.upsert({ ...a, status: 'resolved', resolvedAt: now, updatedAt: later(a.updatedAt, now) });
      }
    });
    if (failed.length) throw new Error(`Gotify could not delete ${failed.length} of ${ids.length} message(s): ${failed.slice(0, 3).join('; ')}`);
    return { type: 'result', requestId: `gotify-delete-${Date.now()}`, ok: true };
  }
}
