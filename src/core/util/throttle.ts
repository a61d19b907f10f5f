import type { IDisposable } from './disposable';

/**
 * Leading-edge throttle: the first `schedule()` after a quiet period runs `fn` on the next macrotask (so a
 * burst of frames read in one tick still costs one run); while busy, at most one run per `intervalMs`,
 * the last one after the burst ends. A trailing-only debounce adds its full delay to every isolated
 * change, and never lets a consumer that debounces on its own end run during a steady stream (see
 * AlertsFeature: VS Code's tree debounces refreshes that come less than 200 ms apart).
 */
export class Throttle implements IDisposable {
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _lastRun = -Infinity;

  constructor(
    private readonly _fn: () => void,
    private readonly _intervalMs: number,
    private readonly _now: () => number = () => performance.now(),
  ) {}

  schedule(): void {
    if (this._timer !== undefined) return;
    const wait = Math.max(0, this._lastRun + this._intervalMs - this._now());
    this._timer = setTimeout(() => {
      this._timer = undefined;
      this._lastRun = this._now();
      this._fn();
    }, wait);
  }

  dispose(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
  }
}
