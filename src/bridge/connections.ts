import type * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../core/util/logger';
import { addressKey } from './rateLimit';

export interface ConnectionLimits {
  /** A connection must have sent its first complete request (or upgrade) within this. Default 10 s. */
  firstRequestTimeoutMs: number;
  /** Connections from one address (IPv4, or IPv6 /64) that are not yet an accepted WebSocket client. Default 32. */
  maxPerAddress: number;
  /** Such connections from all addresses together. Default 512. */
  maxPending: number;
}

interface Tracked {
  socket: Socket;
  key: string;
  timer: NodeJS.Timeout;
}

/**
 * Bounds the connections that have not become an accepted WebSocket client yet. Node's own HTTP timeouts start
 * at a request's first byte, so a socket that never sends one would stay open forever; here every connection
 * gets `firstRequestTimeoutMs` to send a whole request head. Beyond `maxPerAddress` from one address (or
 * `maxPending` overall) the oldest connection that has not sent a single byte is closed to make room — so a pile
 * of idle sockets cannot lock out an editor or /healthz that connects after them, even from the same address.
 * When every one of them is busy, the new connection is the one refused.
 */
export class ConnectionGuard {
  /** Insertion order = age: the first entries are the oldest. */
  private readonly _pending = new Map<Socket, Tracked>();
  private readonly _perKey = new Map<string, Set<Socket>>();
  private _dropped = { timeout: 0, evicted: 0, refused: 0 };
  private _logTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly _limits: ConnectionLimits,
    private readonly _log: Logger,
  ) {}

  attach(server: http.Server): void {
    server.on('connection', (s: Socket) => this._onConnection(s));
    server.on('request', (req: http.IncomingMessage) => this.settled(req.socket));
    server.on('upgrade', (req: http.IncomingMessage) => this.settled(req.socket));
  }

  /** Connections not yet settled (tests, stats). */
  get pending(): number {
    return this._pending.size;
  }

  /** The socket sent a whole request: from here Node's request timeouts, the response and the WebSocket bound it. */
  settled(socket: Socket): void {
    const t = this._pending.get(socket);
    if (!t) return;
    clearTimeout(t.timer);
    this._forget(t);
  }

  dispose(): void {
    for (const t of this._pending.values()) clearTimeout(t.timer);
    this._pending.clear();
    this._perKey.clear();
    if (this._logTimer) clearTimeout(this._logTimer);
    this._logTimer = undefined;
  }

  private _onConnection(socket: Socket): void {
    const key = addressKey(socket.remoteAddress ?? '?');
    const mine = this._perKey.get(key);
    if (mine && mine.size >= this._limits.maxPerAddress && !this._evictIdle(mine)) return this._drop(socket, 'refused');
    if (this._pending.size >= this._limits.maxPending && !this._evictIdle(this._pending.keys())) return this._drop(socket, 'refused');
    const timer = setTimeout(() => {
      if (this._pending.has(socket)) this._drop(socket, 'timeout');
    }, this._limits.firstRequestTimeoutMs);
    timer.unref();
    const t: Tracked = { socket, key, timer };
    this._pending.set(socket, t);
    let set = this._perKey.get(key);
    if (!set) this._perKey.set(key, (set = new Set()));
    set.add(socket);
    socket.once('close', () => {
      clearTimeout(timer);
      this._forget(t);
    });
  }

  /** Closes the oldest of `sockets` that has not sent a byte; false when every one has. */
  private _evictIdle(sockets: Iterable<Socket>): boolean {
    for (const s of sockets) {
      if (s.bytesRead === 0) {
        this._drop(s, 'evicted');
        return true;
      }
    }
    return false;
  }

  private _drop(socket: Socket, why: 'timeout' | 'evicted' | 'refused'): void {
    const t = this._pending.get(socket);
    if (t) {
      clearTimeout(t.timer);
      this._forget(t);
    }
    socket.destroy();
    this._dropped[why]++;
    // One line per 10 s at most, however many sockets go.
    this._logTimer ??= setTimeout(() => {
      this._logTimer = undefined;
      const d = this._dropped;
      this._dropped = { timeout: 0, evicted: 0, refused: 0 };
      this._log.warn(
        `closed connections that sent no request: ${d.timeout} after ${this._limits.firstRequestTimeoutMs / 1000} s without a complete request, ` +
          `${d.evicted} idle ones to make room (limit ${this._limits.maxPerAddress} per address, ${this._limits.maxPending} in all), ${d.refused} refused (all busy)`,
      );
    }, 10_000).unref();
  }

  private _forget(t: Tracked): void {
    this._pending.delete(t.socket);
    const set = this._perKey.get(t.key);
    if (!set) return;
    set.delete(t.socket);
    if (set.size === 0) this._perKey.delete(t.key);
  }
}
