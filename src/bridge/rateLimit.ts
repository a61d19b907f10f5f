import { isIP } from 'node:net';
import type { Clock } from '../core/util/clock';
import type { IDisposable } from '../core/util/disposable';
import type { Logger } from '../core/util/logger';

/**
 * Token bucket for one client's inbound messages. Editors send a few acks a minute; a client that sends
 * faster than `perSecond` (after a `burst`) is throttled, and one that keeps at it is disconnected, so a single
 * misbehaving or hostile client cannot keep the bridge (and the alert source behind it) busy.
 */
export class RateLimiter {
  private _tokens: number;
  private _last: number;
  private _dropped = 0;

  constructor(
    private readonly _clock: Clock,
    private readonly _perSecond: number,
    private readonly _burst: number,
  ) {
    this._tokens = _burst;
    this._last = _clock.now();
  }

  /** True when the message may be handled; false when it must be dropped. */
  take(): boolean {
    const now = this._clock.now();
    this._tokens = Math.min(this._burst, this._tokens + ((now - this._last) / 1000) * this._perSecond);
    this._last = now;
    if (this._tokens >= 1) {
      this._tokens -= 1;
      return true;
    }
    this._dropped++;
    return false;
  }

  /** Messages dropped so far on this connection. */
  get dropped(): number {
    return this._dropped;
  }
}

export interface AuthBackoffOptions {
  /** Failures an address may make before it has to wait. Default 10. */
  freeFailures?: number;
  /** The first wait; each further failure doubles it. Default 1 s. */
  baseDelayMs?: number;
  /** Longest wait. Default 60 s. */
  maxDelayMs?: number;
  /** An address with no failure for this long starts afresh. Default 10 min. */
  forgetAfterMs?: number;
  /** Addresses remembered at once (the oldest is forgotten beyond it). Default 10,000. */
  maxTracked?: number;
  /** One summary log line per this interval while failures happen. Default 60 s. */
  summaryIntervalMs?: number;
}

interface FailureState {
  failures: number;
  last: number;
  blockedUntil: number;
}

/**
 * Per-address back-off for failed token checks (bridge token, webhook secrets). The first `freeFailures` cost
 * nothing (a user pasting a wrong token is not an attack); after that each failure makes the address wait
 * 1 s, 2 s, 4 s, … up to a minute, during which every attempt is answered 429 without looking at the token —
 * so the comparison gives no answer at all, and guessing drops to about one try a minute. The log gets the first
 * failure at once and then one summary line per interval, never a line per attempt.
 */
export class AuthFailureLimiter {
  private readonly _o: Required<AuthBackoffOptions>;
  private readonly _byKey = new Map<string, FailureState>();
  private _window = { failures: 0, refused: 0, byKey: new Map<string, number>() };
  private _summary: IDisposable | undefined;

  constructor(
    private readonly _clock: Clock,
    private readonly _log: Logger,
    opts: AuthBackoffOptions = {},
  ) {
    this._o = { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 600_000, maxTracked: 10_000, summaryIntervalMs: 60_000, ...opts };
  }

  /**
   * Milliseconds `address` must still wait before its next attempt is looked at; 0 = go ahead. `scope` keeps
   * separate budgets per secret: "bridge" (the bridge token: clients and bridge-token routes), or a webhook
   * route's path — so a local Alertmanager with a wrong secret slows down only its own webhook, not the editors.
   */
  blockedFor(address: string, scope = 'bridge'): number {
    const key = scopedKey(address, scope);
    const s = this._byKey.get(key);
    if (!s) return 0;
    const now = this._clock.now();
    if (now - s.last > this._o.forgetAfterMs) {
      this._byKey.delete(key);
      return 0;
    }
    return Math.max(0, s.blockedUntil - now);
  }

  /** An attempt refused with 429 because the address is backing off. */
  refused(address: string, scope = 'bridge'): void {
    this._window.refused++;
    this._count(scopedKey(address, scope));
  }

  /**
   * A failed token check; `detail` (e.g. "connection (wrong token)") goes into the first log line. Without it
   * the failure only counts (the caller logged it already, e.g. a source module that checks its own secret).
   */
  failed(address: string, detail?: string, scope = 'bridge'): void {
    const key = scopedKey(address, scope);
    const now = this._clock.now();
    let s = this._byKey.get(key);
    if (s && now - s.last > this._o.forgetAfterMs) s = undefined;
    if (!s) s = { failures: 0, last: now, blockedUntil: 0 };
    this._byKey.delete(key); // re-inserted last: the map's order is "least recently failed first"
    s.failures++;
    s.last = now;
    const over = s.failures - this._o.freeFailures;
    if (over > 0) s.blockedUntil = now + Math.min(this._o.maxDelayMs, this._o.baseDelayMs * 2 ** Math.min(over - 1, 30));
    this._byKey.set(key, s);
    while (this._byKey.size > this._o.maxTracked) this._byKey.delete(this._byKey.keys().next().value as string);
    const first = this._summary === undefined;
    this._window.failures++;
    this._count(key);
    if (first) {
      if (detail !== undefined) this._log.warn(`refused an unauthorized ${detail} from ${key}; further failures are summarised every ${Math.round(this._o.summaryIntervalMs / 1000)} s`);
      this._window = { failures: 0, refused: 0, byKey: new Map() };
      this._summary = this._clock.setTimeout(() => this._flush(), this._o.summaryIntervalMs);
    }
  }

  private _count(key: string): void {
    const m = this._window.byKey;
    if (m.has(key) || m.size < 1000) m.set(key, (m.get(key) ?? 0) + 1);
  }

  private _flush(): void {
    const w = this._window;
    this._window = { failures: 0, refused: 0, byKey: new Map() };
    if (w.failures === 0 && w.refused === 0) {
      this._summary = undefined; // quiet again: the next failure is logged at once
      return;
    }
    const top = [...w.byKey].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${k} ×${n}`).join(', ');
    const secs = Math.round(this._o.summaryIntervalMs / 1000);
    this._log.warn(`last ${secs} s: ${w.failures} failed token check(s), ${w.refused} attempt(s) refused with 429 while backing off; from ${w.byKey.size} address(es): ${top}`);
    this._summary = this._clock.setTimeout(() => this._flush(), this._o.summaryIntervalMs);
  }

  dispose(): void {
    this._summary?.dispose();
    this._summary = undefined;
  }
}

function scopedKey(address: string, scope: string): string {
  const k = addressKey(address);
  return scope === 'bridge' ? k : `${k} ${scope}`;
}

/**
 * The unit an attacker pays per address: an IPv4 address, or an IPv6 /64 (one host usually holds a whole /64, so
 * counting single IPv6 addresses would give it 2^64 fresh starts). IPv4-mapped IPv6 counts as IPv4.
 */
export function addressKey(address: string): string {
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  if (isIP(a) !== 6) return a;
  if (a === '::1') return a;
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
