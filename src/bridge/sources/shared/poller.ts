/**
 * Polling with backoff for sources that have no push API (or as a safety net next to webhooks).
 *
 * Healthy: one run every `intervalMs`. After a failure the next run waits
 * max(intervalMs, full-jitter backoff from intervalMs up to `maxBackoffMs`) — and at least as long as a
 * vendor's Retry-After — so an outage or a rate limit is not hammered. Failures are logged once per
 * distinct reason (then at debug), and recovery is logged once: an hour-long outage is two lines, not
 * 120.
 */
import { Backoff } from '../../../core/transport/backoff';
import type { Clock } from '../../../core/util/clock';
import type { IDisposable } from '../../../core/util/disposable';
import type { Logger } from '../../../core/util/logger';
import { VendorHttpError } from './vendorHttp';
import { errorText } from '../../../core/util/errors';

export interface PollerOptions {
  name: string;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** Default 10 min. */
  maxBackoffMs?: number;
  random?: () => number;
  run: () => Promise<void>;
}

export class Poller {
  private _timer: IDisposable | undefined;
  private _running: Promise<void> | undefined;
  private _again = false;
  private _stopped = false;
  private _lastError: string | undefined;
  private readonly _backoff: Backoff;
  failures = 0;

  constructor(private readonly _o: PollerOptions) {
    this._backoff = new Backoff({ baseMs: _o.intervalMs, capMs: Math.max(_o.intervalMs, _o.maxBackoffMs ?? 600_000) }, _o.random);
  }

  /** Runs once now (throws what the run throws), then keeps polling whatever that run's outcome. */
  async start(): Promise<void> {
    try {
      await this._o.run();
      this._ok();
    } catch (e) {
      this._failed(e);
      throw e;
    } finally {
      this._schedule();
    }
  }

  /** Runs as soon as possible (coalesced with a run in progress). Never rejects. */
  pollNow(): Promise<void> {
    if (this._stopped) return Promise.resolve();
    if (this._running) {
      this._again = true;
      return this._running;
    }
    this._timer?.dispose();
    this._timer = undefined;
    this._running = (async () => {
      do {
        this._again = false;
        try {
          await this._o.run();
          this._ok();
        } catch (e) {
          this._failed(e);
        }
      } while (this._again && !this._stopped);
    })().finally(() => {
      this._running = undefined;
      this._schedule();
    });
    return this._running;
  }

  stop(): void {
    this._stopped = true;
    this._timer?.dispose();
    this._timer = undefined;
  }

  /** Resolves once no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this._running) await this._running;
  }

  private _ok(): void {
    if (this._lastError !== undefined) this._o.logger.info(`${this._o.name}: working again after ${this.failures} failed attempt(s)`);
    this._lastError = undefined;
    this.failures = 0;
    this._backoff.reset();
  }

  private _failed(e: unknown): void {
    this.failures++;
    const reason = errorText(e);
    if (reason !== this._lastError) this._o.logger.warn(`${this._o.name} failed: ${reason}`);
    else this._o.logger.debug(`${this._o.name} failed again (${this.failures}): ${reason}`);
    this._lastError = reason;
    this._retryAfterMs = e instanceof VendorHttpError ? e.retryAfterMs : undefined;
  }

  private _retryAfterMs: number | undefined;

  private _schedule(): void {
    if (this._stopped || this._running) return;
    this._timer?.dispose();
    let delay = this._o.intervalMs;
    if (this.failures > 0) delay = Math.max(delay, this._backoff.next(), this._retryAfterMs ?? 0);
    this._timer = this._o.clock.setTimeout(() => {
      this._timer = undefined;
      void this.pollNow();
    }, delay);
  }
}
