/**
 * Replay protection for signed webhooks whose events carry an id and the time they occurred (PagerDuty
 * Webhooks v3: `event.id`, `event.occurred_at`). A signature proves who wrote a body, not when it was sent:
 * anyone who once saw a signed body can post it again. So an event is applied only when it is
 *
 *  - recent: occurred at most `toleranceMs` ago (and at most `futureSkewMs` ahead of our clock);
 *  - newer than the module's start: what happened before it started is in the module's first full poll
 *    (which is at least as new), so an older event can only roll state back. This is what makes de-duplication
 *    survive a restart without storing anything: an event applied by the previous run occurred before this run
 *    started, and is refused for that reason;
 *  - not seen before: ids are remembered until their event leaves the tolerance window. If more than
 *    `maxIds` arrive within it, the oldest ids are forgotten and everything that occurred up to the newest
 *    forgotten one is refused from then on (never a forgotten id accepted again).
 *
 * A refused event is not lost: the module's poll brings the same state (it is the safety net for lost
 * webhooks anyway).
 */
export type ReplayVerdict = 'ok' | 'duplicate' | 'stale' | 'beforeStart' | 'future';

export interface ReplayGuardOptions {
  toleranceMs: number;
  futureSkewMs: number;
  maxIds: number;
  now: () => number;
}

export class ReplayGuard {
  /** id → when its event occurred, in arrival order. */
  private readonly _seen = new Map<string, number>();
  /** Events that occurred at or before this are refused (the start, or the newest forgotten id's time). */
  private _floor = -Infinity;
  private _started = false;

  constructor(private readonly _opts: ReplayGuardOptions) {}

  /** Call when the module starts, before its first poll. */
  start(): void {
    this._started = true;
    this._floor = Math.max(this._floor, this._opts.now());
  }

  check(id: string, occurredMs: number): ReplayVerdict {
    const now = this._opts.now();
    this._prune(now);
    if (!Number.isFinite(occurredMs) || occurredMs < now - this._opts.toleranceMs) return 'stale';
    if (occurredMs > now + this._opts.futureSkewMs) return 'future';
    if (this._seen.has(id)) return 'duplicate';
    if (!this._started || occurredMs < this._floor) return 'beforeStart';
    return 'ok';
  }

  /** Records an event that was applied (call after `check` said ok). */
  remember(id: string, occurredMs: number): void {
    this._seen.delete(id);
    this._seen.set(id, occurredMs);
    while (this._seen.size > this._opts.maxIds) {
      const first = this._seen.entries().next();
      if (first.done) break;
      const [oldId, at] = first.value;
      this._seen.delete(oldId);
      // That id could be replayed now: refuse everything up to when it occurred.
      this._floor = Math.max(this._floor, at + 1);
    }
  }

  get size(): number {
    return this._seen.size;
  }

  /** Ids whose events left the window cannot be replayed any more (refused as stale): forgotten. */
  private _prune(now: number): void {
    const limit = now - this._opts.toleranceMs;
    for (const [id, at] of this._seen) {
      if (at >= limit) break; // arrival order ≈ time order; a late straggler is pruned when it reaches the front
      this._seen.delete(id);
    }
  }
}
