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
import { Disposable } from '../util/disposable';
import { Emitter, type Event } from '../util/event';
import { tagged, type Logger } from '../util/logger';
import type { AlertSourceConnection, Annotation, ClientStats, ConnectionStateInfo } from './connection';
import { FatalConnectionError, ReconnectingSocket, type CloseOutcome, type SocketConnectionOptions } from './reconnectingSocket';
import { describeSocketError, errorText } from '../util/errors';
import { redactUrl } from '../util/url';

/** url, getToken, allowInsecure, clock, logger, socketFactory, heartbeatMs (default 30 s), backoff, random, stableAfterMs, and: */
export interface DirectConnectionOptions extends SocketConnectionOptions {
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
const DEFAULT_MAX_ALERTS = 500;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** An event that never fires (subscribing works, and disposing the subscription). */
const neverFires: Event<never> = (_listener, _thisArgs, disposables) => {
  const sub = { dispose: (): void => undefined };
  disposables?.push(sub);
  return sub;
};

/** An error no retry can fix (thrown while opening: the connection stops in `closed`). */
export class FatalDirectError extends FatalConnectionError {}

export abstract class DirectConnection extends Disposable implements AlertSourceConnection {
  readonly store: AlertStore;
  protected readonly _log: Logger;
  protected readonly _clock: Clock;
  protected readonly _requestTimeoutMs: number;
  private readonly _maxAlerts: number;
  /** The socket, its heartbeat, reconnects and the connection state. */
  private readonly _rs: ReconnectingSocket;
  private _lastSocketError: string | undefined;
  private _requestCounter = 0;
  /** Alert ids in arrival order, for the maxAlerts bound. */
  private readonly _order = new Set<string>();
  protected readonly _stats: ClientStats = { received: 0, applied: 0, rejected: 0, duplicates: 0, gaps: 0, reconnects: 0 };

  readonly onDidChangeState: Event<ConnectionStateInfo>;
  // These services have no on-call and no deploys: the events never fire.
  readonly onDidChangeOnCall: Event<OnCallState | null> = neverFires;
  readonly onDidReceiveDeploy: Event<Deploy> = neverFires;
  readonly onDidChangeDeploys: Event<readonly Deploy[]> = neverFires;
  protected readonly _onDidReceiveError = this._register(new Emitter<ErrorMessage['error']>());
  readonly onDidReceiveError: Event<ErrorMessage['error']> = this._onDidReceiveError.event;

  constructor(
    protected readonly _options: DirectConnectionOptions,
    tag: string,
  ) {
    super();
    this._log = tagged(_options.logger, tag);
    this._clock = _options.clock;
    this._maxAlerts = Math.max(1, _options.maxAlerts ?? DEFAULT_MAX_ALERTS);
    this._requestTimeoutMs = Math.max(1, _options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.store = this._register(new AlertStore({ clock: this._clock, maxResolved: _options.maxResolved, maxResolvedAgeMs: _options.maxResolvedAgeMs }));
    this._register(
      this.store.onDidChange((e) => {
        for (const id of e.removed) this._order.delete(id);
      }),
    );
    // Registered last, so disposed first: once this connection is disposed, so is its socket.
    this._rs = this._register(
      new ReconnectingSocket(_options, {
        logger: this._log,
        defaultHeartbeatMs: DEFAULT_HEARTBEAT_MS,
        // Covers the upgrade handshake.
        openTimeoutMs: this._requestTimeoutMs,
        socketUrl: (checked) => this._socketUrl(checked),
        authHeaders: (token) => this._authHeaders(token),
        describeClose: (code, reason) => this._describeClose(code, reason),
        openTimeoutText: (secs) => `${this._hello.server} did not answer within ${secs} s`,
        heartbeatLostText: (secs) => `no sign of life from ${this._hello.server} for ${secs} s`,
        // A close the peer reports ends like a drop: the socket is terminated too.
        terminateOnClose: true,
        onReconnect: () => this._stats.reconnects++,
      }),
    );
    this.onDidChangeState = this._rs.onDidChangeState;
    this._rs.onOpen(({ token, live }) => {
      this._log.info(`connected to ${redactUrl(this._options.url)}`);
      this._rs.established(this._hello);
      void this._afterOpen(token, live).catch((e: unknown) => this._log.warn(`catching up failed: ${errorText(e)}`));
    });
    this._rs.onMessage((data) => {
      this._stats.received++;
      try {
        this._onText(data);
      } catch (e) {
        this._reject(`failed to apply: ${errorText(e)}`);
      }
    });
    this._rs.onError((err) => {
      this._lastSocketError = describeSocketError(err, this._hello.server);
    });
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
    return this._rs.state;
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
    this._rs.connect();
  }

  disconnect(): void {
    this._rs.disconnect();
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

  /** One text frame as JSON, or undefined after rejecting it (too large, not JSON). JSON never yields undefined. */
  protected _parseFrame(data: string, maxChars: number): unknown {
    if (data.length > maxChars) {
      this._reject(`frame too large (${data.length} characters)`);
      return undefined;
    }
    try {
      return JSON.parse(data) as unknown;
    } catch {
      this._reject('not valid JSON');
      return undefined;
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
    return this._rs.state.state === 'connected';
  }

  // ---- connection ----

  private _describeClose(code: number, reason: string): CloseOutcome {
    const why = this._lastSocketError ?? `closed (${code}${reason ? ` ${reason}` : ''})`;
    this._lastSocketError = undefined;
    // 401/403 on the upgrade: the token is wrong; retrying will not fix it.
    return { reason: why, fatal: /HTTP 40[13]\b/.test(why) };
  }
}

export function later(a: string, b: string): string {
  return Date.parse(b) >= Date.parse(a) ? b : a;
}



