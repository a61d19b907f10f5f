import type { IDisposable } from './disposable';

/**
 * Time, injected. Every decision that depends on "now" (escalation countdowns, on-call status, deploy
 * guard, reconnect backoff, heartbeats) takes a Clock so tests can stand at any instant.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): IDisposable;
  setInterval(fn: () => void, ms: number): IDisposable;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    return { dispose: () => clearTimeout(h) };
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, ms);
    return { dispose: () => clearInterval(h) };
  },
};

/** A clock frozen at a fixed offset from real time (used by the test-only "fixed clock" setting). */
export function offsetClock(base: Clock, offsetMs: number): Clock {
  return { ...base, now: () => base.now() + offsetMs };
}

/** Deterministic clock for tests: time moves only when `advance` is called; due timers fire in order. */
export class ManualClock implements Clock {
  private _now: number;
  private _seq = 0;
  private _timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  constructor(start: number | Date = 0) {
    this._now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this._now;
  }

  setTimeout(fn: () => void, ms: number): IDisposable {
    const id = ++this._seq;
    this._timers.set(id, { at: this._now + Math.max(0, ms), fn });
    return { dispose: () => this._timers.delete(id) };
  }

  setInterval(fn: () => void, ms: number): IDisposable {
    const id = ++this._seq;
    const every = Math.max(1, ms);
    this._timers.set(id, { at: this._now + every, fn, every });
    return { dispose: () => this._timers.delete(id) };
  }

  get pendingTimers(): number {
    return this._timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this._now + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: { at: number; fn: () => void; every?: number } | undefined;
      for (const [id, t] of this._timers) {
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && id < (nextId ?? 0)))) {
          next = t;
          nextId = id;
        }
      }
      if (next === undefined || nextId === undefined) break;
      this._now = next.at;
      if (next.every !== undefined) next.at += next.every;
      else this._timers.delete(nextId);
      next.fn();
    }
    this._now = end;
  }

  set(time: number | Date): void {
    const t = typeof time === 'number' ? time : time.getTime();
    this.advance(Math.max(0, t - this._now));
  }
}
