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

  /** When the pending run is due: spaced from the last run, at the pause (or at most `intervalMs` into the burst). */
  private _due(): number {
    const settled = Math.min(this._lastPending + this._quietMs, (this._firstPending ?? 0) + this._intervalMs);
    return Math.max(this._lastRun + this._intervalMs, this._quietMs > 0 ? settled : this._lastPending);
  }

  private _arm(now: number): void {
    this._timer = setTimeout(() => {
      this._timer = undefined;
      const t = this._now();
      // Changes kept coming: the pause moved on (a timer per change would cost more than this re-arm).
      if (t < this._due() - 0.5) return this._arm(t);
      this._lastRun = t;
      this._firstPending = undefined;
      this._fn();
    }, Math.max(0, this._due() - now));
  }

  dispose(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
    this._firstPending = undefined;
  }
}
