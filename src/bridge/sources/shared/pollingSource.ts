/**
 * The skeleton of every polling source (Alertmanager, PagerDuty, Splunk On-Call, Grafana IRM): the lifecycle is
 * written here once, so a source writes only its API calls and its mapping.
 *
 * What the base does:
 *  - `start(ctx)`: keeps the context, calls `prepare(ctx)` (build clients, log the configuration), then runs each
 *    poll of `polls()` once, in order, so the first snapshot already holds the source's state. A first run that
 *    fails is logged and retried on the schedule (the bridge serves anyway) — unless `refuseStart(error)` turns
 *    it into an error (a rejected token: the bridge exits with the reason). Then `ready(allFirstRunsOk)`.
 *  - one scheduler (`Poller`): interval, full-jitter backoff from core/transport/backoff after failures,
 *    Retry-After, runs that never overlap (`pollNow` coalesces), logging once per kind of failure and once on
 *    recovery.
 *  - `stop()`: no more runs; waits for a run in progress. `stopped` tells a long run or a webhook to stop early.
 *    `idle()`: waits until no run is in progress (tests).
 *  - not-started guards: `ctx` / `log` (and `need(x)` for what `prepare` built) throw "<source> source not
 *    started" instead of failing on undefined.
 *
 * What a source implements (docs/architecture.md, "Adding a source"): `name`, `capabilities`, optional `routes`;
 * `polls()` (id, name, interval, run); `handleAction` (and any optional action method of `SourceModule`); the
 * hooks it needs (`prepare`, `refuseStart`, `ready`). `VendorPollingSource` adds the `VendorHttp` client.
 */
import type { AlertAction, Person, SourceKind } from '../../../core/protocol/types';
import type { Logger } from '../../../core/util/logger';
import type { ActionOutcome, SourceContext, SourceModule } from '../types';
import { Poller, type PollerOptions } from './poller';

/** One poll of a source. `id` names it for `pollNow`. */
export interface PollSpec<Id extends string> extends Omit<PollerOptions, 'clock' | 'logger' | 'random'> {
  id: Id;
}

/** Options every polling source takes (from its own options object). */
export interface PollingOptions {
  /** Largest wait between two attempts while a poll fails (each poll may set its own in `PollSpec`). */
  maxBackoffMs?: number;
  /** Tests: the backoff's jitter. */
  random?: () => number;
}

export abstract class PollingSource<Id extends string = string> implements SourceModule {
  abstract readonly name: SourceKind;
  abstract readonly capabilities: readonly string[];

  private _ctx: SourceContext | undefined;
  private readonly _pollers = new Map<Id, Poller>();
  private _stopped = false;

  /** `label` names the source in errors ("PagerDuty source not started"). */
  protected constructor(
    private readonly _label: string,
    private readonly _polling: PollingOptions = {},
  ) {}

  abstract handleAction(action: AlertAction, alertIds: readonly string[], actor: Person | undefined): Promise<ActionOutcome | undefined | void>;

  /** The source's polls, in the order their first runs happen at start. Called once, after `prepare`. */
  protected abstract polls(): ReadonlyArray<PollSpec<Id>>;

  /** Before the first poll: build the clients (keep them for `need`), log the configuration. */
  protected prepare(_ctx: SourceContext): void {}

  /** A first run's failure that must stop the bridge from starting (bad credentials): the error to throw. */
  protected refuseStart(_error: unknown): Error | undefined {
    return undefined;
  }

  /** After the first run of every poll; `ok` is false when one of them failed (it was logged and is retried). */
  protected ready(_ok: boolean): void {}

  protected get ctx(): SourceContext {
    if (!this._ctx) throw new Error(`${this._label} source not started`);
    return this._ctx;
  }

  protected get log(): Logger {
    return this.ctx.logger;
  }

  /** `start` was called (webhooks answer 503 "starting" before). */
  protected get started(): boolean {
    return this._ctx !== undefined;
  }

  /** Set by `stop()`: long runs and webhooks stop applying changes. */
  protected get stopped(): boolean {
    return this._stopped;
  }

  /** What `prepare` built, with the not-started guard. */
  protected need<T>(x: T | undefined): T {
    if (x === undefined) throw new Error(`${this._label} source not started`);
    return x;
  }

  start(ctx: SourceContext): Promise<void> {
    try {
      this._standby(ctx);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    // The first runs start synchronously, as they always did.
    return this.lead();
  }

  /** Clustered mode: ready for actions and webhooks (`prepare` ran), no polls until `lead`. */
  standby(ctx: SourceContext): Promise<void> {
    try {
      this._standby(ctx);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private _standby(ctx: SourceContext): void {
    if (this._ctx) throw new Error(`${this._label} source started twice`);
    this._ctx = ctx;
    this.prepare(ctx);
  }

  /** Clustered mode: stops the polls (a run in progress finishes first); `lead` starts new ones. */
  async follow(): Promise<void> {
    const pollers = [...this._pollers.values()];
    this._pollers.clear();
    for (const p of pollers) p.stop();
    for (const p of pollers) await p.idle();
  }

  /** Starts the polls: each one's first run, in order, then the schedule (what `start` does after `prepare`). */
  async lead(): Promise<void> {
    const ctx = this.ctx;
    if (this._stopped) return;
    for (const spec of this.polls()) {
      const { id, ...rest } = spec;
      this._pollers.set(id, new Poller({ maxBackoffMs: this._polling.maxBackoffMs, ...rest, clock: ctx.clock, logger: ctx.logger, ...(this._polling.random ? { random: this._polling.random } : {}) }));
    }
    let ok = true;
    for (const poller of this._pollers.values()) {
      try {
        await poller.start();
      } catch (e) {
        ok = false;
        const refusal = this.refuseStart(e);
        if (refusal) {
          await this.stop();
          throw refusal;
        }
      }
      if (this._stopped) return;
    }
    this.ready(ok);
  }

  async stop(): Promise<void> {
    this._stopped = true;
    for (const p of this._pollers.values()) p.stop();
    await this.idle();
  }

  /** Resolves once no poll is running (tests, shutdown). */
  async idle(): Promise<void> {
    for (const p of this._pollers.values()) await p.idle();
  }

  /**
   * Runs the poll `id` as soon as possible (coalesced with a run in progress). Never rejects: true when its
   * last run succeeded; false when it failed (logged) or the source has not started.
   */
  protected pollNow(id: Id): Promise<boolean> {
    return this._pollers.get(id)?.pollNow() ?? Promise.resolve(false);
  }
}
