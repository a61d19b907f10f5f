/**
 * Client side of the alert feed (docs/protocol.md): one WebSocket to the alert source, a resumable
 * ordered event stream applied exactly once into an AlertStore, and ack/unack/resolve/annotate
 * requests answered by `result` messages.
 *
 * Ordering rule: an event applies only when its seq is lastSeq + 1. Lower seqs are duplicates
 * (ignored, counted). Higher seqs mean we missed something: the event is DROPPED (not held) and we
 * send `resume {lastSeq}`; the server replays from there (or sends a snapshot), which re-delivers the
 * dropped events in order. Dropping keeps memory bounded and the logic obviously correct.
 */
import { FiringHistory } from '../alerts/firingHistory';
import { randomUUID } from 'node:crypto';
import { AlertStore } from '../alerts/alertStore';
import { decodeServerMessage, encodeMessage } from '../protocol/decode';
import { isIsoTime, MAX_ALERT_IDS_PER_REQUEST, MAX_NOTE_CHARS } from '../protocol/schemas';
import {
  PROTOCOL_VERSION,
  RESPONDER_ACTIONS,
  type ReassignTarget,
  type ReassignTargetKind,
  type RequestCapability,
  type AlertAction,
  type ClientMessage,
  type Deploy,
  type ErrorMessage,
  type HelloMessage,
  type OnCallState,
  type Person,
  type ResultMessage,
  type ServerMessage,
  type SnapshotMessage,
  type SnapshotChunkMessage,
  type StateEvent,
  SNAPSHOT_CHUNKS_CAPABILITY,
} from '../protocol/types';
import type { Clock } from '../util/clock';
import { Disposable, type IDisposable } from '../util/disposable';
import { Emitter, type Event } from '../util/event';
import { tagged, type Logger } from '../util/logger';
import type { AlertSourceConnection, Annotation, ClientStats, ConnectionStateInfo, SnapshotProgress } from './connection';
import { ReconnectingSocket, type CloseOutcome, type SocketConnectionOptions } from './reconnectingSocket';
import { CloseCodes } from '../protocol/closeCodes';
import { describeSocketError, errorText } from '../util/errors';
import type { OverrideRequest, ResponderConnection } from './responderActions';

/** url, getToken, allowInsecure, clock, logger, socketFactory, heartbeatMs (default 15 s), backoff, random, stableAfterMs, and: */
export interface AlertClientOptions extends SocketConnectionOptions {
  /** Sent with actions; the server may override it from the token. */
  actor?: Person;
  requestTimeoutMs?: number;
  maxResolved?: number;
  maxResolvedAgeMs?: number;
  /** Most deploys remembered (oldest dropped). Default 500. */
  maxDeploys?: number;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_DEPLOYS = 500;

interface PendingRequest {
  resolve(r: ResultMessage): void;
  reject(e: Error): void;
  timer: IDisposable;
}

export class AlertClient extends Disposable implements AlertSourceConnection, ResponderConnection {
  readonly store: AlertStore;

  private readonly _log: Logger;
  private readonly _clock: Clock;
  private readonly _requestTimeoutMs: number;
  private readonly _maxDeploys: number;
  /** The socket, its heartbeat, reconnects and the connection state. */
  private readonly _rs: ReconnectingSocket;

  private _server: HelloMessage | undefined;
  private _lastSocketError: string | undefined;

  private _lastSeq = -1;
  /**
   * A snapshot arriving in parts (protocol 1.1): its seq, the next part expected, how many, and the ids applied so
   * far, and a history of its alerts (merged into `history` at the end). The store shows each part at once; alerts
   * the snapshot no longer has go only when the last part is in.
   */
  private _partial: { seq: number; next: number; count: number; seen: Set<string>; history: FiringHistory } | undefined;
  private _resyncSentAt: number | undefined;
  private readonly _pending = new Map<string, PendingRequest>();
  private readonly _requestPrefix = randomUUID();
  private _requestCounter = 0;

  private _oncall: OnCallState | null = null;
  private readonly _deploys = new Map<string, Deploy>();
  private _deployList: readonly Deploy[] | undefined;
  private readonly _stats: ClientStats = { received: 0, applied: 0, rejected: 0, duplicates: 0, gaps: 0, reconnects: 0 };

  readonly onDidChangeState: Event<ConnectionStateInfo>;
  private readonly _onDidChangeOnCall = this._register(new Emitter<OnCallState | null>());
  readonly onDidChangeOnCall: Event<OnCallState | null> = this._onDidChangeOnCall.event;
  private readonly _onDidReceiveDeploy = this._register(new Emitter<Deploy>());
  readonly onDidReceiveDeploy: Event<Deploy> = this._onDidReceiveDeploy.event;
  private readonly _onDidChangeDeploys = this._register(new Emitter<readonly Deploy[]>());
  readonly onDidChangeDeploys: Event<readonly Deploy[]> = this._onDidChangeDeploys.event;
  private readonly _onDidReceiveError = this._register(new Emitter<ErrorMessage['error']>());
  private readonly _onDidChangeOmittedAlerts = this._register(new Emitter<number>());
  readonly onDidChangeOmittedAlerts: Event<number> = this._onDidChangeOmittedAlerts.event;
  private _omitted = 0;
  /** Protocol 1.1: the bridge's firing history (snapshot.history), extended by the live alert events. */
  readonly history: FiringHistory;
  private _hasHistory = false;
  private readonly _onDidChangeHistory = this._register(new Emitter<void>());
  readonly onDidChangeHistory: Event<void> = this._onDidChangeHistory.event;
  readonly onDidReceiveError: Event<ErrorMessage['error']> = this._onDidReceiveError.event;

  constructor(private readonly _options: AlertClientOptions) {
    super();
    this._log = tagged(_options.logger, 'client');
    this._clock = _options.clock;
    this._requestTimeoutMs = Math.max(1, _options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this._maxDeploys = Math.max(1, _options.maxDeploys ?? DEFAULT_MAX_DEPLOYS);
    this.history = new FiringHistory(() => this._clock.now());
    this.store = this._register(
      new AlertStore({ clock: this._clock, maxResolved: _options.maxResolved, maxResolvedAgeMs: _options.maxResolvedAgeMs }),
    );
    this._register({ dispose: () => this._shutdown('the connection was disposed') });
    // Registered last, so disposed first: once this client is disposed, so is its socket.
    this._rs = this._register(
      new ReconnectingSocket(_options, {
        logger: this._log,
        defaultHeartbeatMs: DEFAULT_HEARTBEAT_MS,
        // Covers the TCP/TLS/upgrade handshake and the wait for `hello`.
        openTimeoutMs: this._requestTimeoutMs,
        authHeaders: (token) => ({ Authorization: `Bearer ${token}` }),
        isEstablished: () => this._server !== undefined,
        describeClose: (code, reason) => this._describeClose(code, reason),
        openTimeoutText: (secs) => `the alert source did not answer within ${secs} s`,
        heartbeatLostText: (secs) => `no answer from the alert source for ${secs} s (connection lost)`,
        warnOnDrop: true,
        logPingFailures: true,
        onReconnect: () => this._stats.reconnects++,
      }),
    );
    this.onDidChangeState = this._rs.onDidChangeState;
    this._rs.onMessage((data) => {
      // Frames that arrive in one socket read are one store batch (one change event, one retention pass).
      this.store.deferChangesToMicrotask();
      try {
        this._onFrame(data);
      } catch (e) {
        // A bug in applying must not kill the socket's event loop; the frame counts as rejected.
        this._stats.rejected++;
        this._log.error(`failed to apply a message: ${errorText(e)}`);
      }
    });
    this._rs.onError((err) => {
      this._lastSocketError = describeSocketError(err);
    });
    this._rs.onClose((reason) => {
      this._abandonPartial(`the connection was lost (${reason})`);
      this._server = undefined;
      this._lastSocketError = undefined;
      this._resyncSentAt = undefined;
      this._failAllPending(`the connection to the alert source was lost: ${reason}`);
    });
  }

  // ---- public state ----

  get state(): ConnectionStateInfo {
    return this._rs.state;
  }

  get omittedAlerts(): number {
    return this._omitted;
  }

  /** Every snapshot and applied state event carries the count (absent = 0). */
  private _setOmitted(n: number | undefined): void {
    const v = n ?? 0;
    if (v === this._omitted) return;
    if (v > 0 && this._omitted === 0) this._log.info(`the alert source holds ${v} more open alert(s) than it sends (its open-alert limit)`);
    this._omitted = v;
    this._onDidChangeOmittedAlerts.fire(v);
  }

  get oncall(): OnCallState | null {
    return this._oncall;
  }

  /** True once the server sent a firing history (a server without one: the editor says it has no history). */
  get hasHistory(): boolean {
    return this._hasHistory;
  }

  get deploys(): readonly Deploy[] {
    this._deployList ??= Object.freeze([...this._deploys.values()]);
    return this._deployList;
  }

  get stats(): Readonly<ClientStats> {
    return { ...this._stats };
  }

  /**
   * While a snapshot arrives in parts: how many of how many are in (the list already shows them, but alerts that
   * ended meanwhile may still be listed until the last part). Undefined otherwise.
   */
  get snapshotProgress(): SnapshotProgress | undefined {
    return this._partial ? { received: this._partial.next, total: this._partial.count } : undefined;
  }

  /** The last seq applied (-1: none yet). */
  get lastSeq(): number {
    return this._lastSeq;
  }

  // ---- lifecycle ----

  /** Starts connecting (no-op while already connecting or connected). Reconnects by itself after that. */
  connect(): void {
    this._rs.connect();
  }

  /** Closes the connection and stops reconnecting until `connect()` is called again. */
  disconnect(): void {
    this._shutdown('disconnected');
    this._rs.disconnect();
  }

  // ---- requests ----

  ack(alertIds: readonly string[]): Promise<ResultMessage> {
    return this._action('ack', alertIds);
  }

  unack(alertIds: readonly string[]): Promise<ResultMessage> {
    return this._action('unack', alertIds);
  }

  resolve(alertIds: readonly string[]): Promise<ResultMessage> {
    return this._action('resolve', alertIds);
  }

  annotate(annotation: Annotation): Promise<ResultMessage> {
    const actor = this._options.actor;
    return this._request('annotate', (requestId) => ({
      type: 'annotate',
      requestId,
      annotation: { kind: annotation.kind, text: annotation.text, ...(annotation.service !== undefined ? { service: annotation.service } : {}), ...(actor ? { actor } : {}) },
    }));
  }

  private _action(type: AlertAction, alertIds: readonly string[]): Promise<ResultMessage> {
    const ids = checkIds(type, alertIds);
    if (ids instanceof Error) return Promise.reject(ids);
    const actor = this._options.actor;
    return this._request(type, (requestId) => ({ type, requestId, alertIds: ids, ...(actor ? { actor } : {}) }));
  }

  // ---- protocol 1.1 responder actions

  unsupportedReason(capability: RequestCapability): string | undefined {
    const hello = this._server;
    if (!hello) return this._notConnectedText();
    if (hello.capabilities.includes(capability)) return undefined;
    const given = hello.unsupportedActions?.[capability] ?? hello.actionsUnavailableReason;
    if (given) return given;
    if ((RESPONDER_ACTIONS as readonly string[]).includes(capability) && (hello.protocolMinor ?? 0) < 1) {
      return `the alert source (${hello.server}) speaks protocol 1.0, which has no "${capability}": update the bridge`;
    }
    return `the alert source (${hello.server}) does not support "${capability}"`;
  }

  unsupportedReassignTarget(kind: ReassignTargetKind): string | undefined {
    return this.unsupportedReason('reassign') ?? this._server?.unsupportedReassignTargets?.[kind];
  }

  snooze(alertIds: readonly string[], until: Date | string): Promise<ResultMessage> {
    const ids = checkIds('snooze', alertIds);
    if (ids instanceof Error) return Promise.reject(ids);
    const at = toIso('snooze', 'until', until);
    if (at instanceof Error) return Promise.reject(at);
    return this._request('snooze', (requestId) => ({ type: 'snooze', requestId, alertIds: ids, until: at, ...this._actorField() }));
  }

  reassign(alertIds: readonly string[], to: ReassignTarget): Promise<ResultMessage> {
    const ids = checkIds('reassign', alertIds);
    if (ids instanceof Error) return Promise.reject(ids);
    return this._request('reassign', (requestId) => ({ type: 'reassign', requestId, alertIds: ids, to, ...this._actorField() }));
  }

  escalate(alertIds: readonly string[], level?: number): Promise<ResultMessage> {
    const ids = checkIds('escalate', alertIds);
    if (ids instanceof Error) return Promise.reject(ids);
    if (level !== undefined && (!Number.isSafeInteger(level) || level < 1)) return Promise.reject(new Error(`escalate: level must be a whole number >= 1 (got ${level})`));
    return this._request('escalate', (requestId) => ({ type: 'escalate', requestId, alertIds: ids, ...(level !== undefined ? { level } : {}), ...this._actorField() }));
  }

  note(alertId: string, text: string): Promise<ResultMessage> {
    if (!alertId) return Promise.reject(new Error('note: no alert given'));
    if (!text.trim()) return Promise.reject(new Error('note: the note is empty'));
    if (text.length > MAX_NOTE_CHARS) return Promise.reject(new Error(`note: at most ${MAX_NOTE_CHARS} characters (this one has ${text.length}); shorten it`));
    return this._request('note', (requestId) => ({ type: 'note', requestId, alertId, text, ...this._actorField() }));
  }

  override(req: OverrideRequest): Promise<ResultMessage> {
    const start = toIso('override', 'start', req.start);
    if (start instanceof Error) return Promise.reject(start);
    const end = toIso('override', 'end', req.end);
    if (end instanceof Error) return Promise.reject(end);
    if (Date.parse(end) <= Date.parse(start)) return Promise.reject(new Error('override: the end must be after the start'));
    return this._request('override', (requestId) => ({
      type: 'override',
      requestId,
      rotationId: req.rotationId,
      start,
      end,
      ...(req.userId !== undefined ? { userId: req.userId } : {}),
      ...this._actorField(),
    }));
  }

  private _actorField(): { actor?: Person } {
    const actor = this._options.actor;
    return actor ? { actor } : {};
  }

  private _request(capability: string, build: (requestId: string) => ClientMessage): Promise<ResultMessage> {
    if (this.state.state !== 'connected' || !this._rs.hasSocket) return Promise.reject(new Error(this._notConnectedText()));
    if (this._server && !this._server.capabilities.includes(capability)) {
      const why = this._server.unsupportedActions?.[capability as RequestCapability] ?? this._server.actionsUnavailableReason;
      if (!why && (RESPONDER_ACTIONS as readonly string[]).includes(capability)) return Promise.reject(new Error(this.unsupportedReason(capability as RequestCapability)));
      return Promise.reject(new Error(`the alert source (${this._server.server}) does not support "${capability}"${why ? `: ${why}` : ''}`));
    }
    const requestId = `${this._requestPrefix}-${++this._requestCounter}`;
    return new Promise<ResultMessage>((resolve, reject) => {
      const secs = Math.round(this._requestTimeoutMs / 1000);
      const timer = this._clock.setTimeout(() => {
        this._pending.delete(requestId);
        reject(new Error(`timed out after ${secs} s waiting for the alert source`));
      }, this._requestTimeoutMs);
      this._pending.set(requestId, { resolve, reject, timer });
      if (!this._send(build(requestId))) {
        this._settle(requestId, new Error('could not send to the alert source: the connection is closing'));
      }
    });
  }

  /** "not connected — retrying in 8 s", or "not connected" when no retry is scheduled. */
  private _notConnectedText(): string {
    const at = this._rs.retryAt;
    if (at === undefined) return 'not connected';
    return `not connected — retrying in ${Math.max(1, Math.ceil((at - this._clock.now()) / 1000))} s`;
  }

  private _settle(requestId: string, outcome: ResultMessage | Error): void {
    const p = this._pending.get(requestId);
    if (!p) return;
    this._pending.delete(requestId);
    p.timer.dispose();
    if (outcome instanceof Error) p.reject(outcome);
    else if (outcome.ok) p.resolve(outcome);
    else p.reject(new Error(outcome.error || 'the alert source refused the request (no reason given)'));
  }

  private _failAllPending(reason: string): void {
    for (const id of [...this._pending.keys()]) this._settle(id, new Error(reason));
  }

  // ---- connection ----

  private _describeClose(code: number, reason: string): CloseOutcome {
    let text: string;
    let fatal = false;
    switch (code) {
      case CloseCodes.unauthorized:
        text = 'the alert source rejected the token (unauthorized). Run "On Call: Connect to Alert Source…" to enter a new one.';
        fatal = true;
        break;
      case CloseCodes.slowClient:
        text = 'the alert source dropped the connection because this editor fell behind (slow client)';
        break;
      case CloseCodes.goingAway:
        text = 'the alert source is restarting or shutting down';
        break;
      default:
        text = this._lastSocketError ?? `the connection closed (code ${code}${reason ? `: ${reason}` : ''})`;
    }
    if (this._lastSocketError && /\b401\b|\b403\b/.test(this._lastSocketError)) {
      text = `the alert source rejected the token (${this._lastSocketError}). Run "On Call: Connect to Alert Source…" to enter a new one.`;
      fatal = true;
    }
    this._log.info(`connection closed: code ${code}${reason ? ` (${reason})` : ''}`);
    return { reason: text, fatal };
  }

  /** The client's side of closing the socket (the socket side is the ReconnectingSocket's). */
  private _shutdown(reason: string): void {
    this._rs.shutdown();
    this._server = undefined;
    this._failAllPending(`the connection to the alert source was closed: ${reason}`);
  }

  private _send(msg: ClientMessage): boolean {
    try {
      this._rs.send(encodeMessage(msg));
      return true;
    } catch (e) {
      this._log.warn(`send failed: ${errorText(e)}`);
      return false;
    }
  }

  // ---- inbound ----

  private _onFrame(data: string): void {
    this._stats.received++;
    const r = decodeServerMessage(data);
    if (!r.ok) {
      this._reject(r.error);
      return;
    }
    const msg: ServerMessage = r.value;
    switch (msg.type) {
      case 'hello':
        this._onHello(msg);
        return;
      case 'error':
        this._log.warn(`the alert source reported an error: ${msg.error.code}: ${msg.error.message}`);
        this._onDidReceiveError.fire(msg.error);
        return;
      case 'result':
        if (this._pending.has(msg.requestId)) this._settle(msg.requestId, msg);
        else this._log.debug(`result for unknown or timed-out request ${msg.requestId}`);
        return;
    }
    if (!this._server) {
      this._reject(`${msg.type} before hello`);
      return;
    }
    if (msg.type === 'snapshot') this._onSnapshot(msg);
    else if (msg.type === 'snapshotChunk') this._onSnapshotChunk(msg);
    else if (this._partial) {
      // The server holds live events back until the last part (they follow it, replayed): one now is out of order.
      this._stats.duplicates++;
      this._log.debug(`${msg.type} at seq ${msg.seq} while a snapshot arrives in parts: ignored (the server sends it after the snapshot)`);
    } else this._onEvent(msg);
  }

  private _reject(reason: string): void {
    this._stats.rejected++;
    this._log.warn(`rejected a message from the alert source: ${reason}`);
  }

  private _onHello(hello: HelloMessage): void {
    if (hello.protocol !== PROTOCOL_VERSION) {
      const reason = `the alert source speaks protocol ${hello.protocol}, this extension speaks protocol ${PROTOCOL_VERSION}. Update ${hello.protocol > PROTOCOL_VERSION ? 'the extension' : 'the alert source'}.`;
      this._shutdown(reason);
      this._rs.disconnect(reason);
      return;
    }
    if (this._server) {
      this._reject('a second hello on the same connection');
      return;
    }
    this._server = hello;
    this._log.info(`connected to ${hello.server} (${hello.source}); resuming after seq ${this._lastSeq}`);
    this._sendResume();
    // Resuming with state (lastSeq ≥ 0): the store holds what we had, the replay brings it up to date — synced.
    // Otherwise the list is not the source's state until the snapshot (perhaps seconds of parts) is in.
    this._rs.established(hello, this._lastSeq >= 0);
  }

  /** `resume {lastSeq}`, asking for a snapshot in parts when the server offers them (protocol 1.1). */
  private _sendResume(): void {
    const chunks = this._server?.capabilities.includes(SNAPSHOT_CHUNKS_CAPABILITY) === true;
    this._send({ type: 'resume', lastSeq: this._lastSeq, ...(chunks ? { snapshotChunks: true } : {}) });
  }

  private _onSnapshotChunk(c: SnapshotChunkMessage): void {
    if (c.index === 0) {
      if (this._partial) this._log.info(`snapshot at seq ${this._partial.seq} superseded after ${this._partial.next} of ${this._partial.count} parts`);
      this._partial = { seq: c.seq, next: 0, count: c.count, seen: new Set<string>(), history: new FiringHistory(() => this._clock.now()) };
    }
    const p = this._partial;
    if (!p || c.seq !== p.seq || c.index !== p.next || c.count !== p.count) {
      const expected = p ? `part ${p.next} of ${p.count} at seq ${p.seq}` : 'a first part (index 0)';
      return this._snapshotBroken(`snapshot part ${c.index} of ${c.count} at seq ${c.seq} out of order (expected ${expected})`);
    }
    this.store.applySnapshotPart(c.alerts, p.seen);
    for (const a of c.alerts) p.history.observeAlert(a);
    p.next++;
  }

  private _onSnapshot(s: SnapshotMessage): void {
    if (s.chunks === undefined) {
      if (this._partial) this._abandonPartial('a whole snapshot came instead');
      return this._applySnapshot(s);
    }
    const p = this._partial;
    if (!p || p.seq !== s.seq || p.next !== s.chunks || p.count !== s.chunks) {
      return this._snapshotBroken(`snapshot at seq ${s.seq} ends ${s.chunks} parts, but ${p ? `${p.next} of ${p.count} at seq ${p.seq}` : 'none'} arrived`);
    }
    this._partial = undefined;
    this.store.batch(() => {
      this.store.applySnapshotPart(s.alerts, p.seen);
      this.store.removeAllExcept(p.seen);
    });
    for (const a of s.alerts) p.history.observeAlert(a);
    this._applySnapshot(s, p.seen.size, p.history);
  }

  /** Parts that do not fit together: drop them (the list keeps what it has) and ask for the state again. */
  private _snapshotBroken(reason: string): void {
    this._reject(reason);
    this._partial = undefined;
    this._sendResume();
  }

  /** The snapshot in parts will not be finished (connection lost): the list keeps what it showed, and the log says so. */
  private _abandonPartial(why: string): void {
    const p = this._partial;
    if (!p) return;
    this._partial = undefined;
    this._log.warn(
      `snapshot at seq ${p.seq} interrupted after ${p.next} of ${p.count} parts: ${why}. The list shows the previous state updated by the parts received; alerts that ended meanwhile may still be listed until the next snapshot.`,
    );
  }

  /** A complete snapshot; `partsApplied`: its alerts are already in the store (it came in parts), this many. */
  private _applySnapshot(s: SnapshotMessage, partsApplied?: number, partsHistory?: FiringHistory): void {
    if (partsApplied === undefined) this.store.replaceAll(s.alerts);
    this._lastSeq = s.seq;
    this._resyncSentAt = undefined;
    this._deploys.clear();
    for (const d of s.deploys) this._deploys.set(d.id, d);
    this._trimDeploys();
    this._deployList = undefined;
    this._oncall = s.oncall;
    this._hasHistory = s.history !== undefined;
    // Parts' alerts were observed as they came, into a history of their own: merged here.
    this.history.replaceAll(s.history ?? [], partsHistory);
    if (partsApplied === undefined) for (const a of s.alerts) this.history.observeAlert(a);
    this._onDidChangeHistory.fire();
    this._stats.applied++;
    this._log.info(`snapshot at seq ${s.seq}: ${partsApplied ?? s.alerts.length} alerts${s.chunks ? ` in ${s.chunks} parts` : ''}, ${s.deploys.length} deploys${s.omitted ? `, ${s.omitted} more open alerts not sent` : ''}`);
    this._setOmitted(s.omitted);
    this._onDidChangeOnCall.fire(this._oncall);
    this._onDidChangeDeploys.fire(this.deploys);
    this._rs.synced();
  }

  private _onEvent(e: StateEvent): void {
    if (e.seq <= this._lastSeq) {
      this._stats.duplicates++;
      return;
    }
    if (e.seq > this._lastSeq + 1) {
      this._onGap(e.seq);
      return;
    }
    this._lastSeq = e.seq;
    this._resyncSentAt = undefined;
    this._stats.applied++;
    this._setOmitted(e.omitted);
    switch (e.type) {
      case 'alert': {
        if (e.hidden) {
          // Set aside by the source's open-alert limit: still open there, counted in `omitted`, not listed here.
          this.store.remove([e.alert.id]);
          return;
        }
        if (this.history.observeAlert(e.alert)) this._onDidChangeHistory.fire();
        const outcome = this.store.upsert(e.alert);
        if (outcome === 'stale' || outcome === 'invalidTransition') this._log.debug(`alert ${e.alert.id} at seq ${e.seq} not applied: ${outcome}`);
        return;
      }
      case 'alertResolved': {
        if (this.history.observeResolved(e.alertResolved.id, e.alertResolved.resolvedAt)) this._onDidChangeHistory.fire();
        const outcome = this.store.resolve(e.alertResolved.id, e.alertResolved.resolvedAt, e.alertResolved.resolvedBy);
        if (outcome === 'unknown') this._log.debug(`resolve for unknown alert ${e.alertResolved.id} at seq ${e.seq}`);
        return;
      }
      case 'oncall':
        this._oncall = e.oncall;
        this._onDidChangeOnCall.fire(e.oncall);
        return;
      case 'deploy':
        this._deploys.delete(e.deploy.id); // re-insert: a status update makes it the newest entry
        this._deploys.set(e.deploy.id, e.deploy);
        this._trimDeploys();
        this._deployList = undefined;
        this._onDidReceiveDeploy.fire(e.deploy);
        this._onDidChangeDeploys.fire(this.deploys);
        return;
    }
  }

  /**
   * A seq beyond lastSeq + 1: drop it and ask for a replay from lastSeq. While that resume is in
   * flight, further early events are dropped without asking again (the replay covers them), unless
   * the server has not caught us up within the request timeout.
   */
  private _onGap(seq: number): void {
    const now = this._clock.now();
    if (this._resyncSentAt !== undefined && now - this._resyncSentAt < this._requestTimeoutMs) return;
    this._stats.gaps++;
    this._resyncSentAt = now;
    this._log.warn(`missed events ${this._lastSeq + 1}..${seq - 1}; asking the alert source to resume after ${this._lastSeq}`);
    this._sendResume();
  }

  private _trimDeploys(): void {
    while (this._deploys.size > this._maxDeploys) {
      const first = this._deploys.keys().next();
      if (first.done) break;
      this._deploys.delete(first.value);
    }
  }
}

/** The ids without duplicates, or an Error for the user (none, or more than one request may carry). */
function checkIds(what: string, alertIds: readonly string[]): string[] | Error {
  const ids = [...new Set(alertIds)];
  if (ids.length === 0) return new Error(`${what}: no alerts given`);
  if (ids.length > MAX_ALERT_IDS_PER_REQUEST) return new Error(`${what}: at most ${MAX_ALERT_IDS_PER_REQUEST} alerts at a time (got ${ids.length})`);
  return ids;
}

/** An RFC 3339 time for the wire (a Date in UTC), or an Error naming the field. */
function toIso(what: string, field: string, t: Date | string): string | Error {
  if (t instanceof Date) return Number.isNaN(t.getTime()) ? new Error(`${what}: ${field} is not a valid time`) : t.toISOString();
  return isIsoTime(t) ? t : new Error(`${what}: ${field} must be an ISO-8601 time with an offset, got "${t.slice(0, 40)}"`);
}

