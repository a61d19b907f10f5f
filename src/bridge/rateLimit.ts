import type { Clock } from '../core/util/clock';

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
