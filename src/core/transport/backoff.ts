/**
 * Reconnect delays: exponential backoff with FULL jitter (delay = random(0, min(cap, base·2^n))).
 * Full jitter spreads a fleet of editors that lost the same bridge at the same moment, so a restarted
 * bridge is not hit by every client in the same millisecond.
 */
export interface BackoffOptions {
  /** First ceiling, ms. Default 500. */
  baseMs?: number;
  /** Largest ceiling, ms. Default 30 000. */
  capMs?: number;
}

export const DEFAULT_BACKOFF_BASE_MS = 500;
export const DEFAULT_BACKOFF_CAP_MS = 30_000;

/** The delay for retry number `attempt` (0-based). `random` returns [0, 1) like Math.random. */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  // 2^attempt overflows to Infinity after ~1000 attempts; min() with the cap keeps it finite.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), capMs);
}

export class Backoff {
  private _attempt = 0;
  private readonly _baseMs: number;
  private readonly _capMs: number;

  constructor(options: BackoffOptions = {}, private readonly _random: () => number = Math.random) {
    this._baseMs = Math.max(1, options.baseMs ?? DEFAULT_BACKOFF_BASE_MS);
    this._capMs = Math.max(this._baseMs, options.capMs ?? DEFAULT_BACKOFF_CAP_MS);
  }

  /** Retries made since the last reset. */
  get attempt(): number {
    return this._attempt;
  }

  /** The next delay; each call raises the ceiling until it reaches the cap. */
  next(): number {
    return fullJitterDelay(this._attempt++, this._baseMs, this._capMs, this._random);
  }

  /** After a stable connection: the next failure starts again from the base. */
  reset(): void {
    this._attempt = 0;
  }
}
