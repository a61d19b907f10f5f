/**
 * Base of the direct (bridge-less) connections to push services that speak WebSocket themselves
 * (ntfy, Gotify). They are not alert managers: there is no ack, no on-call, no deploys on their side.
 * So here:
 *  - ack/unack are LOCAL: the store marks the alert acknowledged by "you (local)" and the result says
 *    `local: true` — the state lives in this window only and nobody else sees it;
 *  - reconnect uses the same full-jitter Backoff as AlertClient, with the same half-open detection
 *    (ping every heartbeat; two beats without any sign of life → terminate and reconnect);
 *  - memory is bounded: at most `maxAlerts` alerts (oldest dropped; these services never resolve),
 *    plus the AlertStore's own retention of resolved ones;
 *  - every frame is validated (valibot) by the subclass; bad frames are counted and logged (rate-limited).
 */
import { AlertStore } from '../alerts/alertStore';
import { MAX_ALERT_IDS_PER_REQUEST } from '../protocol/schemas';
import type { Alert, Deploy, ErrorMessage, HelloMessage, OnCallState, Person, ResultMessage } from '../protocol/types';
import type { Clock } from '../util/clock';
import { Disposable, DisposableStore, type IDisposable } from '../util/disposable';
import { Emitter, type Event } from '../util/event';
import { tagged, type Logger } from '../util/logger';
import type { AlertSourceConnection, Annotation, ClientStats, ConnectionStateInfo } from './alertClient';
import { Backoff, type BackoffOptions } from './backoff';
import { wsSocketFactory, type SocketFactory, type SocketLike } from './socket';
import { checkServerUrl } from './urlPolicy';

export interface DirectConnectionOptions {
  url: string;
  /** Read before every connection attempt. */
  getToken?: () => Promise<string | undefined>;
  allowInsecure?: boolean;
  clock: Clock;
  logger: Logger;
  socketFactory?: SocketFactory;
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  /** A connection up this long resets the backoff. Default 10 s. */
  stableAfterMs?: number;
  /** Most alerts kept (oldest dropped first). Default 500. */
  maxAlerts?: number;
  maxResolved?: number;
  maxResolvedAgeMs?: number;
  /** Timeout of the upgrade handshake and of REST calls. Default 10 s. */
  requestTimeoutMs?: number;
}

/** A result of an action that only changed this window's state. */
export interface LocalResultMessage extends ResultMessage {
  local: true;
  note: string;
}

export function isLocalResult(r: ResultMessage): r is LocalResultMessage {
  return (r as Partial<LocalResultMessage>).local === true;
}

/** Who a local ack is attributed to: visibly not a colleague, and not the source. */
export const LOCAL_ACTOR: Person = { name: 'you (local)' };

const DEFAULT_HEARTBEAT_MS = 30_000;
const DEFAULT_STABLE_AFTER_MS = 10_000;
const DEFAULT_MAX_ALERTS = 500;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const MISSED_BEATS_LIMIT = 2;

export class FatalDirectError extends Error {}

export abstract class DirectConnection extends Disposable implements AlertSourceConnection {
  readonly store: AlertStore;
  protected readonly _log: Logger;
  protected readonly _clock: Clock;
  protected readonly _requestTimeoutMs: number;
  private readonly _socketFactory: SocketFactory;
  private readonly _heartbeatMs: number;
  private readonly _stableAfterMs: number;
  private readonly _maxAlerts: number;
  private readonly _backoff: Backoff;

  private _state: ConnectionStateInfo = { state: 'idle' };
  private _generation = 0;
  private _socket: SocketLike | undefined;
  private readonly _conn = this._register(new DisposableStore());
  private _retryTimer: IDisposable | undefined;
  private _wanted = false;
  private _missedBeats = 0;
  private _lastSocketError: string | undefined;
  private _requestCounter = 0;
  /** Alert ids in arrival order, for the maxAlerts bound. */
  private readonly _order = new Set<string>();
  protected readonly _stats: ClientStats = { received: 0, applied: 0, rejected: 0, duplicates: 0, gaps: 0, reconnects: 0 };

  private readonly _onDidChangeState = this._register(new Emitter<ConnectionStateInfo>());
  readonly onDidChangeState: Event<ConnectionStateInfo> = this._onDidChangeState.event;
  private readonly _onDidChangeOnCall = this._register(new Emitter<OnCallState | null>());
  readonly onDidChangeOnCall: Event<OnCallState | null> = this._onDidChangeOnCall.event;
  private readonly _onDidReceiveDeploy = this._register(new Emitter<Deploy>());
  readonly onDidReceiveDeploy: Event<Deploy> = this._onDidReceiveDeploy.event;
  private readonly _onDidChangeDeploys = this._register(new Emitter<readonly Deploy[]>());
  readonly onDidChangeDeploys: Event<readonly Deploy[]> = this._onDidChangeDeploys.event;
  protected readonly _onDidReceiveError = this._register(new Emitter<ErrorMessage['error']>());
  readonly onDidReceiveError: Event<ErrorMessage['error']> = this._onDidReceiveError.event;

  constructor(
    protected readonly _options: DirectConnectionOptions,
    tag: string,
  ) {
    super();
    this._log = tagged(_options.logger, tag);
    this._clock = _options.clock;
    this._socketFactory = _options.socketFactory ?? wsSocketFactory;
    this._heartbeatMs = Math.max(1, _options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this._stableAfterMs = _options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
    this._maxAlerts = Math.max(1, _options.maxAlerts ?? DEFAULT_MAX_ALERTS);
    this._requestTimeoutMs = Math.max(1, _options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this._backoff = new Backoff(_options.backoff, _options.random);
    this.store = this._register(new AlertStore({ clock: this._clock, maxResolved: _options.maxResolved, maxResolvedAgeMs: _options.maxResolvedAgeMs }));
    this._register(
      this.store.onDidChange((e) => {
        for (const id of e.removed) this._order.delete(id);
      }),
    );
    this._register({ dispose: () => this._shutdown() });
  }

  // ---- what subclasses provide ----

  /** The hello shown as `state.server` (capabilities drive which actions the UI offers). */
  protected abstract get _hello(): HelloMessage;
  /** The WebSocket URL of the next attempt (ntfy adds since=<last id>). */
  protected abstract _socketUrl(base: URL): URL;
  protected abstract _authHeaders(token: string): Record<string, string>;
  /** One text frame. */
  protected abstract _onText(data: string): void;
  /** Runs after each successful open (Gotify catches up over REST). */
  protected _afterOpen(_token: string | undefined, _gen: () => boolean): Promise<void> {
    return Promise.resolve();
  }
  abstract resolve(alertIds: readonly string[]): Promise<ResultMessage>;

  // ---- public state ----

  get state(): ConnectionStateInfo {
    return this._state;
  }
  get oncall(): OnCallState | null {
    return null;
  }
  get deploys(): readonly Deploy[] {
    return [];
  }
  get stats(): Readonly<ClientStats> {
    return { ...this._stats };
  }

  connect(): void {
    if (this.isDisposed) return;
    this._wanted = true;
    if (this._socket || this._retryTimer) return;
    this._backoff.reset();
    this._setState({ state: 'connecting', ...(this._state.lastError ? { lastError: this._state.lastError } : {}) });
    void this._open();
  }

  disconnect(): void {
    this._shutdown();
    if (!this.isDisposed) this._setState({ state: 'closed' });
  }

  ack(alertIds: readonly string[]): Promise<ResultMessage> {
    return this._local('ack', alertIds, (a, now) =>
      a.status === 'triggered' ? { ...a, status: 'acknowledged', acknowledgedBy: LOCAL_ACTOR, acknowledgedAt: now, updatedAt: later(a.updatedAt, now) } : undefined,
    );
  }

  unack(alertIds: readonly string[]): Promise<ResultMessage> {
    return this._local('unack', alertIds, (a, now) => {
      if (a.status !== 'acknowledged') return undefined;
      const { acknowledgedBy: _b, acknowledgedAt: _t, ...rest } = a;
      return { ...rest, status: 'triggered', updatedAt: later(a.updatedAt, now) };
    });
  }

  annotate(_annotation: Annotation): Promise<ResultMessage> {
    return Promise.reject(new Error(`${this._hello.server} does not take annotations`));
  }

  // ---- helpers for subclasses ----

  protected _checkIds(verb: string, alertIds: readonly string[]): string[] {
    const ids = [...new Set(alertIds)];
    if (ids.length === 0) throw new Error(`${verb}: no alerts given`);
    if (ids.length > MAX_ALERT_IDS_PER_REQUEST) throw new Error(`${verb}: at most ${MAX_ALERT_IDS_PER_REQUEST} alerts at a time`);
    const unknown = ids.filter((id) => !this.store.has(id));
    if (unknown.length) throw new Error(`${verb}: unknown alert(s): ${unknown.slice(0, 5).join(', ')}`);
    return ids;
  }

  /** Applies a local change to each alert; resolves with a result that says it was local. */
  protected _local(verb: string, alertIds: readonly string[], change: (a: Alert, nowIso: string) => Alert | undefined, note?: string): Promise<ResultMessage> {
    let ids: string[];
    try {
      ids = this._checkIds(verb, alertIds);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const now = new Date(this._clock.now()).toISOString();
    this.store.batch(() => {
      for (const id of ids) {
        const a = this.store.get(id);
        const next = a && change(a, now);
        if (next) this.store.upsert(next);
      }
    });
    return Promise.resolve(this._localResult(verb, note ?? `${verb} is local to this window: ${this._hello.server} has no ${verb}, so nobody else sees it`));
  }

  protected _localResult(verb: string, note: string): LocalResultMessage {
    return { type: 'result', requestId: `local-${verb}-${++this._requestCounter}`, ok: true, local: true, note };
  }

  /** Adds/updates alerts, keeping at most maxAlerts (the oldest arrivals are dropped). */
  protected _upsertAlerts(alerts: readonly Alert[]): void {
    if (!alerts.length) return;
    this.store.batch(() => {
      for (const a of alerts) {
        const outcome = this.store.upsert(a);
        if (outcome === 'added' || outcome === 'updated') {
          this._stats.applied++;
          this._order.delete(a.id);
          this._order.add(a.id);
        } else if (outcome === 'stale') this._stats.duplicates++;
      }
      if (this._order.size > this._maxAlerts) {
        const drop: string[] = [];
        for (const id of this._order) {
          if (this._order.size - drop.length <= this._maxAlerts) break;
          drop.push(id);
        }
        for (const id of drop) this._order.delete(id);
        this.store.remove(drop);
      }
    });
  }

  private _rejectedLogged = 0;
  protected _reject(reason: string): void {
    this._stats.rejected++;
    // Rate-limited: a broken publisher must not flood the log.
    if (this._rejectedLogged < 20 || this._stats.rejected % 1000 === 0) {
      this._rejectedLogged++;
      this._log.warn(`rejected a message: ${reason}`);
    }
  }

  /** The http(s) URL matching the configured ws(s) URL (same host, same security). */
  protected _httpBase(): URL {
    const u = new URL(this._options.url.trim());
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    u.search = '';
    u.hash = '';
    return u;
  }

  protected _connected(): boolean {
    return this._state.state === 'connected';
  }

  // ---- connection ----

  private async _open(): Promise<void> {
    const gen = ++this._generation;
    this._conn.clear();
    try {
      const policy = checkServerUrl(this._options.url, this._options.allowInsecure ?? false);
      if (!policy.ok) throw new FatalDirectError(policy.error);
      let token: string | undefined;
      try {
        token = await this._options.getToken?.();
      } catch (e) {
        throw new Error(`could not read the token: ${errorText(e)}`, { cause: e });
      }
      if (gen !== this._generation || !this._wanted) return;
      const url = this._socketUrl(new URL(policy.url.toString()));
      // Tokens only in headers: URLs end up in logs and proxies.
      const socket = this._socketFactory(url.toString(), { headers: token ? this._authHeaders(token) : {} });
      this._socket = socket;
      this._wire(socket, gen, token);
      this._conn.add(
        this._clock.setTimeout(() => {
          if (this._state.state !== 'connected') this._drop(gen, `${this._hello.server} did not answer within ${Math.round(this._requestTimeoutMs / 1000)} s`);
        }, this._requestTimeoutMs),
      );
    } catch (e) {
      if (gen !== this._generation) return;
      this._connectionFailed(errorText(e), e instanceof FatalDirectError);
    }
  }

  private _wire(socket: SocketLike, gen: number, token: string | undefined): void {
    const live = (): boolean => gen === this._generation && !this.isDisposed;
    socket.on('open', () => {
      if (!live()) return;
      this._log.info(`connected to ${redact(this._options.url)}`);
      this._setState({ state: 'connected', server: this._hello });
      this._missedBeats = 0;
      this._conn.add(
        this._clock.setInterval(() => {
          if (!live()) return;
          if (++this._missedBeats > MISSED_BEATS_LIMIT) {
            this._drop(gen, `no sign of life from ${this._hello.server} for ${Math.round((this._heartbeatMs * MISSED_BEATS_LIMIT) / 1000)} s`);
            return;
          }
          try {
            socket.ping();
          } catch {
            // closing: the close handler reconnects
          }
        }, this._heartbeatMs),
      );
      this._conn.add(
        this._clock.setTimeout(() => {
          if (live()) this._backoff.reset();
        }, this._stableAfterMs),
      );
      void this._afterOpen(token, live).catch((e: unknown) => this._log.warn(`catching up failed: ${errorText(e)}`));
    });
    socket.on('pong', () => {
      if (live()) this._missedBeats = 0;
    });
    socket.on('message', (data) => {
      if (!live()) return;
      this._missedBeats = 0;
      this._stats.received++;
      try {
        this._onText(data);
      } catch (e) {
        this._reject(`failed to apply: ${errorText(e)}`);
      }
    });
    socket.on('error', (err) => {
      if (live()) this._lastSocketError = describeSocketError(err);
    });
    socket.on('close', (code, reason) => {
      if (!live()) return;
      const why = this._lastSocketError ?? `closed (${code}${reason ? ` ${reason}` : ''})`;
      this._lastSocketError = undefined;
      // 401/403 on the upgrade: the token is wrong; retrying will not fix it.
      this._drop(gen, why, /HTTP 40[13]\b/.test(why));
    });
  }

  private _drop(gen: number, reason: string, fatal = false): void {
    if (gen !== this._generation) return;
    const socket = this._socket;
    this._generation++;
    this._conn.clear();
    this._socket = undefined;
    try {
      socket?.terminate();
    } catch {
      // already gone
    }
    this._connectionFailed(reason, fatal);
  }

  private _connectionFailed(reason: string, fatal: boolean): void {
    this._socket = undefined;
    if (this.isDisposed || !this._wanted) return;
    if (fatal) {
      this._wanted = false;
      this._log.error(reason);
      this._setState({ state: 'closed', lastError: reason });
      return;
    }
    const delay = this._backoff.next();
    const retryAt = this._clock.now() + delay;
    this._log.info(`reconnecting in ${Math.ceil(delay / 1000)} s: ${reason}`);
    this._setState({ state: 'reconnecting', retryAt, lastError: reason });
    this._retryTimer = this._clock.setTimeout(() => {
      this._retryTimer = undefined;
      if (!this._wanted || this.isDisposed) return;
      this._stats.reconnects++;
      this._setState({ state: 'reconnecting', lastError: reason });
      void this._open();
    }, delay);
  }

  private _shutdown(): void {
    this._wanted = false;
    this._retryTimer?.dispose();
    this._retryTimer = undefined;
    const socket = this._socket;
    this._generation++;
    this._conn.clear();
    this._socket = undefined;
    try {
      socket?.close(1000, 'client closing');
    } catch {
      // already closed
    }
  }

  private _setState(s: ConnectionStateInfo): void {
    const next: ConnectionStateInfo = { state: s.state };
    if (s.retryAt !== undefined) next.retryAt = s.retryAt;
    if (s.lastError !== undefined) next.lastError = s.lastError;
    if (s.server !== undefined) next.server = s.server;
    this._state = Object.freeze(next);
    this._onDidChangeState.fire(this._state);
  }
}

export function later(a: string, b: string): string {
  return Date.parse(b) >= Date.parse(a) ? b : a;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Logs show host and path, never a query (ntfy topics can be secret-ish; tokens never go there anyway). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function describeSocketError(err: Error): string {
  const m = /Unexpected server response: (\d+)/.exec(err.message);
  if (m) return `HTTP ${m[1]} from the server${m[1] === '401' || m[1] === '403' ? ' (check the token)' : ''}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  return err.message || code || 'socket error';
}

/** Text that looks like a stack trace (the same heuristics the bridge uses). */
export function looksLikeStackTrace(s: string): boolean {
  return /\n\s+at\s+\S/.test(s) || /Traceback \(most recent call last\)/.test(s) || /\ngoroutine \d+ \[/.test(s) || /\n\s+from \S+:\d+:in /.test(s);
}
