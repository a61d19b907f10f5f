/**
 * The socket lifecycle shared by AlertClient (our protocol) and DirectConnection (ntfy, Gotify): one
 * WebSocket at a time, opened through the injected SocketFactory with the token in a header, and kept
 * alive by itself:
 *  - every attempt gets a new "generation"; callbacks of older sockets check it and do nothing;
 *  - a socket must become established (the owner says when, `established()`) within `openTimeoutMs`;
 *  - heartbeat: a ping every `heartbeatMs`; two beats without any sign of life (pong or message) →
 *    terminate and reconnect (half-open connections never close by themselves);
 *  - a lost connection reconnects after a full-jitter Backoff delay (state `reconnecting` with `retryAt`);
 *    a fatal one (bad URL, rejected token) goes to `closed` and stays there until `connect()`;
 *  - a connection established for `stableAfterMs` resets the backoff.
 * What the frames mean, how a close code reads and what "established" means is the owner's business.
 */
import type { HelloMessage } from '../protocol/types';
import type { Clock } from '../util/clock';
import { Disposable, DisposableStore, type IDisposable } from '../util/disposable';
import { Emitter, type Event } from '../util/event';
import type { Logger } from '../util/logger';
import type { ConnectionStateInfo } from './connection';
import { Backoff, type BackoffOptions } from './backoff';
import { wsSocketFactory, type SocketFactory, type SocketLike } from './socket';
import { checkServerUrl } from './urlPolicy';
import { errorText } from '../util/errors';

/** Beats without any sign of life before the connection counts as half-open. */
export const MISSED_BEATS_LIMIT = 2;

/** Errors that no retry can fix: the socket stops in `closed` with the error as lastError. */
export class FatalConnectionError extends Error {}

/** How a close reads for the user, and whether retrying could help. */
export interface CloseOutcome {
  reason: string;
  fatal: boolean;
}

/** The connection options AlertClient and the direct connections share (their public option names). */
export interface SocketConnectionOptions {
  url: string;
  /** Read before every connection attempt (the token may change). Undefined = no auth header. */
  getToken?: () => Promise<string | undefined>;
  allowInsecure?: boolean;
  clock: Clock;
  logger: Logger;
  socketFactory?: SocketFactory;
  /** Ping interval; two beats without any sign of life drop the connection. */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  /** A connection up this long resets the backoff. Default 10 s. */
  stableAfterMs?: number;
}

export const DEFAULT_STABLE_AFTER_MS = 10_000;

/** What differs between the owners (AlertClient, DirectConnection). */
export interface ReconnectingSocketBehaviour {
  /** Logs go here (the owner's tagged logger), not to the connection options' logger. */
  logger: Logger;
  /** heartbeatMs when the connection options give none. */
  defaultHeartbeatMs: number;
  /** How long a new socket has to become established before it is dropped. */
  openTimeoutMs: number;
  /** The URL of each attempt, from the checked one (ntfy adds since=<last id>). Default: as is. */
  socketUrl?: (checked: URL) => URL;
  /** Headers that carry a token. Tokens go in headers only: URLs end up in logs and proxies. */
  authHeaders: (token: string) => Record<string, string>;
  /** Whether the current connection is established (ends the open timeout). Default: state is `connected`. */
  isEstablished?: () => boolean;
  /** Reads a close of the current socket by the peer or the network. */
  describeClose: (code: number, reason: string) => CloseOutcome;
  /** The lastError of a drop: no establishment within `secs`, no sign of life for `secs`. */
  openTimeoutText: (secs: number) => string;
  heartbeatLostText: (secs: number) => string;
  /** Log each drop (open timeout, lost heartbeat) as a warning. Default false. */
  warnOnDrop?: boolean;
  /** Terminate the socket when it reports a close (no closing handshake from our side). Default false. */
  terminateOnClose?: boolean;
  /** Log a failed ping at debug level. Default false. */
  logPingFailures?: boolean;
  /** Called when a scheduled reconnect attempt starts (before its `reconnecting` state). */
  onReconnect?: () => void;
}

export interface SocketOpenEvent {
  /** The token this connection was opened with. */
  token: string | undefined;
  /** True while this connection is still the current one. */
  live: () => boolean;
}

/**
 * Reads the connection options (url, getToken, …) when it needs them, as the owners did; takes what
 * differs between the owners as `behaviour`.
 */
export class ReconnectingSocket extends Disposable {
  private readonly _log: Logger;
  private readonly _clock: Clock;
  private readonly _socketFactory: SocketFactory;
  private readonly _heartbeatMs: number;
  private readonly _stableAfterMs: number;
  private readonly _backoff: Backoff;

  private _state: ConnectionStateInfo = { state: 'idle' };
  /** Bumped for every connection attempt; callbacks of older sockets check it and do nothing. */
  private _generation = 0;
  private _socket: SocketLike | undefined;
  /** Timers of the current connection attempt. */
  private readonly _conn = this._register(new DisposableStore());
  private _retryTimer: IDisposable | undefined;
  private _wanted = false;
  private _missedBeats = 0;

  private readonly _onDidChangeState = this._register(new Emitter<ConnectionStateInfo>());
  readonly onDidChangeState: Event<ConnectionStateInfo> = this._onDidChangeState.event;
  private readonly _onOpen = this._register(new Emitter<SocketOpenEvent>());
  /** The socket opened (the heartbeat runs from here on). */
  readonly onOpen: Event<SocketOpenEvent> = this._onOpen.event;
  private readonly _onMessage = this._register(new Emitter<string>());
  /** A text frame of the current socket (a listener that throws is not the socket's problem: catch). */
  readonly onMessage: Event<string> = this._onMessage.event;
  private readonly _onError = this._register(new Emitter<Error>());
  /** A socket error of the current socket; its close follows. */
  readonly onError: Event<Error> = this._onError.event;
  private readonly _onClose = this._register(new Emitter<string>());
  /** The current connection was lost (closed or dropped), with the reason; fires before the retry is scheduled. */
  readonly onClose: Event<string> = this._onClose.event;

  constructor(
    private readonly _connection: SocketConnectionOptions,
    private readonly _options: ReconnectingSocketBehaviour,
  ) {
    super();
    this._log = _options.logger;
    this._clock = _connection.clock;
    this._socketFactory = _connection.socketFactory ?? wsSocketFactory;
    this._heartbeatMs = Math.max(1, _connection.heartbeatMs ?? _options.defaultHeartbeatMs);
    this._stableAfterMs = _connection.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
    this._backoff = new Backoff(_connection.backoff, _connection.random);
    this._register({ dispose: () => this.shutdown() });
  }

  get state(): ConnectionStateInfo {
    return this._state;
  }

  /** Epoch ms of the next connection attempt, while one is scheduled. */
  get retryAt(): number | undefined {
    return this._state.retryAt;
  }

  /** Whether a socket exists (opening or open). */
  get hasSocket(): boolean {
    return this._socket !== undefined;
  }

  /** Starts connecting (no-op while already connecting or connected). Reconnects by itself after that. */
  connect(): void {
    if (this.isDisposed) return;
    this._wanted = true;
    if (this._socket || this._retryTimer) return;
    this._backoff.reset();
    this._setState({ state: 'connecting', lastError: this._state.lastError });
    void this._open();
  }

  /**
   * Closes the connection and stops reconnecting until `connect()`: state `closed`, with `error` as
   * lastError (logged) when given. Safe after `shutdown()`.
   */
  disconnect(error?: string): void {
    this.shutdown();
    if (this.isDisposed) return;
    if (error !== undefined) this._log.error(error);
    this._setState({ state: 'closed', lastError: error });
  }

  /** Closes the socket (1000) and cancels the retry, without a state change. Idempotent. */
  shutdown(): void {
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

  /**
   * The owner's "connected": state `connected` (with the server's hello); the backoff resets once it is stable.
   * `synced` false: the source's current state is still to come (the owner calls `synced()` when it is in).
   */
  established(server?: HelloMessage, synced = true): void {
    const gen = this._generation;
    this._conn.add(
      this._clock.setTimeout(() => {
        if (gen === this._generation && !this.isDisposed) this._backoff.reset();
      }, this._stableAfterMs),
    );
    this._setState({ state: 'connected', server, synced });
  }

  /** The current connection now holds the source's state (its first snapshot is in): one state change, once. */
  synced(): void {
    if (this._state.state !== 'connected' || this._state.synced !== false) return;
    this._setState({ ...this._state, synced: true });
  }

  /** Sends on the current socket; throws without one or when the socket refuses. */
  send(data: string): void {
    const socket = this._socket;
    if (!socket) throw new Error('not connected');
    socket.send(data);
  }

  /** Ends the current socket at once (no closing handshake) and reconnects unless `fatal`. No-op without a socket. */
  drop(reason: string, fatal = false): void {
    if (this._socket) this._drop(this._generation, reason, fatal);
  }

  // ---- connection ----

  private async _open(): Promise<void> {
    const gen = ++this._generation;
    this._conn.clear();
    try {
      const policy = checkServerUrl(this._connection.url, this._connection.allowInsecure ?? false);
      if (!policy.ok) throw new FatalConnectionError(policy.error);
      let token: string | undefined;
      try {
        token = await this._connection.getToken?.();
      } catch (e) {
        throw new Error(`could not read the token: ${errorText(e)}`, { cause: e });
      }
      if (gen !== this._generation || !this._wanted) return;
      const url = this._options.socketUrl ? this._options.socketUrl(new URL(policy.url.toString())).toString() : policy.url.toString();
      // Tokens go in headers only: URLs end up in logs and proxies.
      const socket = this._socketFactory(url, { headers: token ? this._options.authHeaders(token) : {} });
      this._socket = socket;
      this._wire(socket, gen, token);
      // Covers the TCP/TLS/upgrade handshake and whatever the owner waits for after it.
      this._conn.add(
        this._clock.setTimeout(() => {
          if (!this._isEstablished()) this._drop(gen, this._options.openTimeoutText(Math.round(this._options.openTimeoutMs / 1000)));
        }, this._options.openTimeoutMs),
      );
    } catch (e) {
      if (gen !== this._generation) return;
      this._connectionFailed(errorText(e), e instanceof FatalConnectionError);
    }
  }

  private _isEstablished(): boolean {
    return this._options.isEstablished ? this._options.isEstablished() : this._state.state === 'connected';
  }

  private _wire(socket: SocketLike, gen: number, token: string | undefined): void {
    const live = (): boolean => gen === this._generation && !this.isDisposed;
    socket.on('open', () => {
      if (!live()) return;
      this._startHeartbeat(socket, gen);
      this._onOpen.fire({ token, live });
    });
    socket.on('pong', () => {
      if (live()) this._missedBeats = 0;
    });
    socket.on('message', (data) => {
      if (!live()) return;
      this._missedBeats = 0;
      this._onMessage.fire(data);
    });
    socket.on('error', (err) => {
      if (live()) this._onError.fire(err);
    });
    socket.on('close', (code, reason) => {
      if (!live()) return;
      const outcome = this._options.describeClose(code, reason);
      this._end(outcome.reason, outcome.fatal, this._options.terminateOnClose ?? false);
    });
  }

  private _startHeartbeat(socket: SocketLike, gen: number): void {
    this._missedBeats = 0;
    this._conn.add(
      this._clock.setInterval(() => {
        if (gen !== this._generation || this.isDisposed) return;
        if (this._missedBeats >= MISSED_BEATS_LIMIT) {
          this._drop(gen, this._options.heartbeatLostText(Math.round((this._heartbeatMs * MISSED_BEATS_LIMIT) / 1000)));
          return;
        }
        this._missedBeats++;
        try {
          socket.ping();
        } catch (e) {
          // closing: the close handler reconnects
          if (this._options.logPingFailures) this._log.debug(`ping failed: ${errorText(e)}`);
        }
      }, this._heartbeatMs),
    );
  }

  private _drop(gen: number, reason: string, fatal = false): void {
    if (gen !== this._generation) return;
    if (this._options.warnOnDrop) this._log.warn(reason);
    this._end(reason, fatal, true);
  }

  /** The current connection is over: forget it, tell the owner, then retry (or stop if fatal). */
  private _end(reason: string, fatal: boolean, terminate: boolean): void {
    const socket = this._socket;
    this._generation++; // the socket's own late 'close' must not run the close path twice
    this._conn.clear();
    this._socket = undefined;
    if (terminate) {
      try {
        socket?.terminate();
      } catch {
        // already gone
      }
    }
    this._onClose.fire(reason);
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
      this._options.onReconnect?.();
      this._setState({ state: 'reconnecting', lastError: reason });
      void this._open();
    }, delay);
  }

  private _setState(s: ConnectionStateInfo): void {
    const next: ConnectionStateInfo = { state: s.state };
    if (s.retryAt !== undefined) next.retryAt = s.retryAt;
    if (s.lastError !== undefined) next.lastError = s.lastError;
    if (s.server !== undefined) next.server = s.server;
    if (s.state === 'connected') next.synced = s.synced ?? true;
    this._state = Object.freeze(next);
    this._onDidChangeState.fire(this._state);
  }
}

