/**
 * The one poll scheduler of the bridge's sources (every source's polls run on it through `PollingSource`).
 *
 * Healthy: one run every `intervalMs`. After a failure the next run waits
 * max(retryMinMs, full-jitter backoff from retryMinMs up to `maxBackoffMs` — core/transport/backoff) — and at
 * least as long as the vendor's Retry-After (any error with a numeric `retryAfterMs`, e.g. `VendorHttpError`
 * after a 429) — so an outage or a rate limit is not hammered. `retryMinMs` defaults to `intervalMs`; a source
 * that wants to notice quickly that its server is back (Alertmanager) sets it lower.
 *
 * Logging: the first failure of an outage, and each new kind of failure (a different reason), is one line at
 * the poll's `failureLevel`; the same failure again is debug, with a warn reminder every 10 minutes of clock
 * time; recovery is one info line. An hour-long outage with one cause is about 8 lines, not 120.
 *
 * Runs never overlap: `pollNow` during a run makes the run go once more when it ends (coalesced), and
 * `stop` ends the schedule (a run in progress finishes; `idle` waits for it).
 */
import { Backoff } from '../../../core/transport/backoff';
import type { Clock } from '../../../core/util/clock';
import type { IDisposable } from '../../../core/util/disposable';
import type { Logger } from '../../../core/util/logger';
import { errorText } from '../../../core/util/errors';
/** How often a failure that goes on with the same reason is logged again at warn. */
const FAILURE_REMINDER_MS = 10 * 60_000;
/** Default largest wait between two attempts while a poll fails. */
const DEFAULT_MAX_BACKOFF_MS = 10 * 60_000;

export interface PollerOptions {
  /** In log lines: "PagerDuty incident poll". */
  name: string;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** Shortest wait after a failure, and the backoff's first ceiling. Default `intervalMs`. */
  retryMinMs?: number;
  /** Default 10 min (never below `retryMinMs`). */
  maxBackoffMs?: number;
  random?: () => number;
  /** Starts the failure line: "<failedText>: <reason> (retrying in N s…)". Default "<name> failed". */
  failedText?: string;
  /** Added to the failure line's parenthesis: "(retrying in N s; <failureHint>)". */
  failureHint?: string;
  /** Level of the first failure line of an outage and of a new kind of failure. Default warn. */
  failureLevel?: 'warn' | 'error';
  /** Starts the recovery line: "<recoveredText> (after N failed attempts)". Default "<name> works again". */
  recoveredText?: string;
  run: () => Promise<void>;
}

/** The wait a failure asks for (Retry-After), when it says. */
function retryAfterOf(e: unknown): number | undefined {
  const ms = e && typeof e === 'object' ? (e as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

export class Poller {
  private _timer: IDisposable | undefined;
  private _running: Promise<boolean> | undefined;
  private _again = false;
  private _stopped = false;
  private _lastError: string | undefined;
  private _lastWarnAt = 0;
  private _nextDelayMs: number;
  private readonly _retryMinMs: number;
  private readonly _backoff: Backoff;
  /** Failed runs since the last successful one. */
  failures = 0;

  constructor(private readonly _o: PollerOptions) {
    this._retryMinMs = Math.max(1, _o.retryMinMs ?? _o.intervalMs);
    this._backoff = new Backoff({ baseMs: this._retryMinMs, capMs: Math.max(this._retryMinMs, _o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS) }, _o.random);
    this._nextDelayMs = _o.intervalMs;
  }

  /** Runs once now (throws what that run throws), then keeps polling whatever its outcome. */
  async start(): Promise<void> {
    let first: { error: unknown } | undefined;
    await this._loop((error) => (first = { error }));
    if (first) throw first.error;
  }

  /**
   * Runs as soon as possible (coalesced with a run in progress: that run goes once more). Never rejects:
   * resolves true when the last run succeeded, false when it failed (it was logged); true once stopped.
   */
  pollNow(): Promise<boolean> {
    if (this._stopped) return Promise.resolve(true);
    if (this._running) {
      this._again = true;
      return this._running;
    }
    return this._loop();
  }

  /** No more runs; a run in progress finishes (see `idle`). */
  stop(): void {
    this._stopped = true;
    this._timer?.dispose();
    this._timer = undefined;
  }

  /** Resolves once no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this._running) await this._running;
  }

  /** `firstFailed` hears the first run's error, if it fails. */
  private _loop(firstFailed?: (error: unknown) => void): Promise<boolean> {
    this._timer?.dispose();
    this._timer = undefined;
    const running = (async () => {
      let ok: boolean;
      let first = true;
      do {
        this._again = false;
        try {
          await this._o.run();
          this._ok();
          ok = true;
        } catch (e) {
          this._failed(e);
          ok = false;
          if (first) firstFailed?.(e);
        }
        first = false;
      } while (this._again && !this._stopped);
      return ok;
    })().finally(() => {
      this._running = undefined;
      this._schedule();
    });
    this._running = running;
    return running;
  }

  private _ok(): void {
    if (this.failures > 0) {
      const n = this.failures;
      this._o.logger.info(`${this._o.recoveredText ?? `${this._o.name} works again`} (after ${n} failed attempt${n === 1 ? '' : 's'})`);
    }
    this._lastError = undefined;
    this.failures = 0;
    this._backoff.reset();
    this._nextDelayMs = this._o.intervalMs;
  }

  private _failed(e: unknown): void {
    this.failures++;
    const reason = errorText(e);
    this._nextDelayMs = Math.max(this._retryMinMs, this._backoff.next(), retryAfterOf(e) ?? 0);
    const failed = this._o.failedText ?? `${this._o.name} failed`;
    const retry = `retrying in ${Math.max(1, Math.round(this._nextDelayMs / 1000))} s${this._o.failureHint ? `; ${this._o.failureHint}` : ''}`;
    const now = this._o.clock.now();
    if (reason !== this._lastError) {
      this._o.logger[this._o.failureLevel ?? 'warn'](`${failed}: ${reason} (${retry})`);
      this._lastWarnAt = now;
    } else if (now - this._lastWarnAt >= FAILURE_REMINDER_MS) {
      this._o.logger.warn(`${failed}, still (${this.failures} attempts): ${reason} (${retry})`);
      this._lastWarnAt = now;
    } else this._o.logger.debug(`${failed} again (attempt ${this.failures}): ${reason}`);
    this._lastError = reason;
  }

  private _schedule(): void {
    if (this._stopped || this._running) return;
    this._timer?.dispose();
    this._timer = this._o.clock.setTimeout(() => {
      this._timer = undefined;
      void this.pollNow();
    }, this._nextDelayMs);
  }
}
