import type { IDisposable } from './disposable';

export interface ThrottleOptions {
  /**
   * Run once the changes have paused this long (a burst that arrives over several socket reads — 1,000 acks —
   * is shown whole at its end, not cut at its first read and then held back a full interval), but never later
   * than `intervalMs` after the first change of the burst. 0 (the default): run on the next macrotask.
   */
  quietMs?: number;
  now?: () => number;
}

/**
 * Leading-edge throttle: the first `schedule()` after a quiet period runs `fn` on the next macrotask (so a
 * burst of frames read in one tick still costs one run), or once the burst pauses for `quietMs`; while busy, at
 * most one run per `intervalMs`, the last one after the burst ends. A trailing-only debounce adds its full delay
 * to every isolated change, and never lets a consumer that debounces on its own end run during a steady stream
 * (see AlertsFeature: VS Code's tree debounces refreshes that come less than 200 ms apart).
 */
export class Throttle implements IDisposable {
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _lastRun = -Infinity;
  /** When the first and the latest change not yet run for arrived (undefined: nothing pending). */
  private _firstPending: number | undefined;
  private _lastPending = 0;
  private readonly _quietMs: number;
  private readonly _now: () => number;
  /** `hold()`s not released yet, each until its bound (an expired one no longer counts). */
  private readonly _holds = new Set<{ until: number }>();
  /** Released with changes pending: run them as soon as the interval allows. */
  private _flush = false;

  constructor(
    private readonly _fn: () => void,
    private readonly _intervalMs: number,
    options: ThrottleOptions | (() => number) = {},
  ) {
    const o = typeof options === 'function' ? { now: options } : options;
    this._quietMs = Math.max(0, o.quietMs ?? 0);
    this._now = o.now ?? (() => performance.now());
  }

  schedule(): void {
    const now = this._now();
    this._firstPending ??= now;
    this._lastPending = now;
    if (this._timer === undefined) this._arm(now);
  }

  /** A run is due (changes wait for it) or runs are held: what the caller would draw now is about to be redrawn. */
  get pending(): boolean {
    return this._timer !== undefined || this._heldUntil() > -Infinity;
  }

  /**
   * Holds runs back until `release()` (at most `maxMs`): the caller knows the changes of one burst are still
   * coming and when they end — acknowledging 1,000 alerts: their events arrive until the request's result. A run
   * in the middle would push the one at the end a whole interval later. Returns the release (idempotent).
   */
  hold(maxMs: number): () => void {
    const h = { until: this._now() + maxMs };
    this._holds.add(h);
    return () => {
      if (!this._holds.delete(h) || this._heldUntil() > -Infinity) return;
      // The burst is over: pending changes run now (still spaced from the last run), without waiting for a pause.
      if (this._timer !== undefined) {
        this._flush = true;
        clearTimeout(this._timer);
        this._arm(this._now());
      }
    };
  }

  /** When the pending run is due: spaced from the last run, at the pause (or at most `intervalMs` into the burst), after any hold. */
  private _due(): number {
    if (this._flush) return this._lastRun + this._intervalMs;
    const settled = Math.min(this._lastPending + this._quietMs, (this._firstPending ?? 0) + this._intervalMs);
    const due = Math.max(this._lastRun + this._intervalMs, this._quietMs > 0 ? settled : this._lastPending);
    return Math.max(due, this._heldUntil());
  }

  /** The latest bound of the holds still in force (-Infinity: none); expired ones are forgotten. */
  private _heldUntil(): number {
    if (this._holds.size === 0) return -Infinity;
    const now = this._now();
    let until = -Infinity;
    for (const h of this._holds) {
      if (h.until <= now) this._holds.delete(h);
      else until = Math.max(until, h.until);
    }
    return until;
  }

  private _arm(now: number): void {
    this._timer = setTimeout(() => {
      this._timer = undefined;
      const t = this._now();
      // Changes kept coming: the pause moved on (a timer per change would cost more than this re-arm).
      if (t < this._due() - 0.5) return this._arm(t);
      this._lastRun = t;
      this._firstPending = undefined;
      this._flush = false;
      this._fn();
    }, Math.max(0, this._due() - now));
  }

  dispose(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
    this._firstPending = undefined;
    this._flush = false;
  }
}
