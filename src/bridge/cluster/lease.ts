/**
 * Leader election for clustered mode: one lease key in Redis (SET NX PX to take it, a compare-and-set script to
 * renew it, a compare-and-delete to release it). Exactly one replica holds it and runs the source's work (polls,
 * the demo world); when the holder dies its lease expires and another replica takes it within one lease (of the
 * holder's last renew) plus `acquireEveryMs` (a tenth of the lease).
 *
 * Safety: a holder that cannot renew (Redis unreachable) gives up leadership itself before its lease can have
 * expired in Redis — at `lastRenewed + leaseMs - renewEveryMs`, measured from *before* the renew was sent — so
 * two replicas never believe they lead at once (up to how long the source takes to stop a run in progress).
 */
import type { Clock } from '../../core/util/clock';
import type { IDisposable } from '../../core/util/disposable';
import { Emitter, type Event } from '../../core/util/event';
import type { Logger } from '../../core/util/logger';
import { errorText } from '../../core/util/errors';

export interface LeaseBackend {
  /** Takes the lease if nobody holds it. `holder`: who holds it now ('' = nobody). */
  acquire(id: string, ms: number): Promise<{ ok: boolean; holder: string }>;
  /** Extends the lease if `id` holds it. */
  renew(id: string, ms: number): Promise<{ ok: boolean; holder: string }>;
  release(id: string): Promise<void>;
}

export interface LeaderInfo {
  self: boolean;
  /** The holder's replica id, when known. */
  id?: string;
  /** ISO time this replica last saw leadership change (its own gain or loss, or a new holder). */
  since?: string;
}

export class LeaderLease implements IDisposable {
  private _leader = false;
  private _holder: string | undefined;
  private _since: number | undefined;
  private _lastRenewed = -Infinity;
  private _timer: IDisposable | undefined;
  private _busy = false;
  private _stopped = false;
  private readonly _onChange = new Emitter<boolean>();
  /** Fires true when this replica becomes the leader, false when it stops being it. */
  readonly onChange: Event<boolean> = this._onChange.event;
  /** The leader renews every third of the lease. */
  readonly renewEveryMs: number;
  /**
   * A follower tries to take the lease every tenth of it (at least 50 ms): a dead leader's lease is taken at most
   * this long after it expired, so takeover happens within one lease of the leader's last renew + this margin.
   * (Every third, as before, made takeover up to a lease + a third: 2.6–4.9 s measured against a 3 s lease.)
   */
  readonly acquireEveryMs: number;

  /**
   * `graceMs()` is asked after taking a free lease: how long to wait before leading. Non-zero when the lease was free
   * because Redis lost its data (the old leader may still believe it leads until its next renew finds out).
   */
  constructor(
    private readonly _backend: LeaseBackend,
    readonly id: string,
    readonly leaseMs: number,
    private readonly _clock: Clock,
    private readonly _log: Logger,
    private readonly _graceMs: () => Promise<number> = () => Promise.resolve(0),
  ) {
    if (!Number.isInteger(leaseMs) || leaseMs < 300) throw new RangeError('leaseMs must be an integer ≥ 300');
    this.renewEveryMs = Math.max(100, Math.floor(leaseMs / 3));
    this.acquireEveryMs = Math.min(this.renewEveryMs, Math.max(50, Math.floor(leaseMs / 10)));
  }

  get isLeader(): boolean {
    return this._leader;
  }

  info(): LeaderInfo {
    const out: LeaderInfo = { self: this._leader };
    if (this._holder) out.id = this._holder;
    if (this._since !== undefined) out.since = new Date(this._since).toISOString();
    return out;
  }

  /** First attempt now (awaited), then every renewEveryMs while leading, every acquireEveryMs while following. */
  async start(): Promise<void> {
    await this.tick();
    this._schedule();
  }

  /** The next tick, at the period of the current role (a tick still running when it is due is skipped, as before). */
  private _schedule(): void {
    if (this._stopped) return;
    this._timer = this._clock.setTimeout(() => {
      void this.tick();
      this._schedule();
    }, this._leader ? this.renewEveryMs : this.acquireEveryMs);
  }

  /** One step: renew (leader) or try to take the lease (follower). Exposed for tests. */
  async tick(): Promise<void> {
    if (this._busy || this._stopped) return;
    this._busy = true;
    const sentAt = this._clock.now();
    try {
      if (this._leader) {
        const r = await this._backend.renew(this.id, this.leaseMs);
        if (this._stopped) return;
        if (r.ok) this._lastRenewed = sentAt;
        else {
          this._log.warn(`lost the leader lease to ${r.holder || 'nobody (it expired)'}: stopping the source work here`);
          this._setHolder(r.holder || undefined);
          this._set(false);
        }
      } else {
        const r = await this._backend.acquire(this.id, this.leaseMs);
        if (this._stopped) return;
        this._setHolder(r.holder || undefined);
        if (r.ok) {
          const grace = await this._graceMs();
          if (grace > 0) {
            this._log.info(`took the leader lease after Redis lost its data: waiting ${grace} ms so that the previous leader notices first`);
            await new Promise<void>((res) => this._clock.setTimeout(res, grace));
            const again = await this._backend.renew(this.id, this.leaseMs);
            if (!again.ok || this._stopped) return;
          }
          this._lastRenewed = sentAt;
          this._log.info(`took the leader lease (${this.leaseMs} ms): this replica runs the source work`);
          this._set(true);
        }
      }
    } catch (e) {
      if (this._leader && this._clock.now() >= this._lastRenewed + this.leaseMs - this.renewEveryMs) {
        this._log.warn(`cannot renew the leader lease (${errorText(e)}): giving up leadership before it expires`);
        this._set(false);
      }
    } finally {
      this._busy = false;
    }
  }

  /** Stops renewing and releases the lease if held (another replica takes over at once). */
  async stop(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    this._timer?.dispose();
    const was = this._leader;
    this._set(false);
    if (was) {
      try {
        await this._backend.release(this.id);
      } catch (e) {
        this._log.warn(`could not release the leader lease (${errorText(e)}); it expires within ${this.leaseMs} ms`);
      }
    }
  }

  dispose(): void {
    void this.stop();
  }

  private _setHolder(h: string | undefined): void {
    if (h !== this._holder) {
      this._holder = h;
      this._since = this._clock.now();
    }
  }

  private _set(leader: boolean): void {
    if (leader === this._leader) return;
    this._leader = leader;
    if (leader) this._holder = this.id;
    this._since = this._clock.now();
    this._onChange.fire(leader);
  }
}
