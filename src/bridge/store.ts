import { encodeMessage } from '../core/protocol/decode';
import type { Alert, Deploy, Firing, OnCallState, Person } from '../core/protocol/types';
import { Emitter, type Event } from '../core/util/event';
import type { BufferedEvent, World } from './world';

/** What a client that sent `resume` gets: the frames to send, in order, and the seq it is at after them. */
export interface ResumeAnswer {
  frames: string[];
  seq: number;
  snapshot: boolean;
}

/**
 * Where the bridge's state lives. `MemoryStore` (the default: one process, the `World` in memory, exactly the
 * bridge as it always was) or `RedisStore` (cluster/redisStore.ts: replicas sharing a Redis Stream). The server
 * fans out `onEvent` to its clients and answers `resume` from `resume`; sources write through the same methods
 * as `SourceContext`.
 */
export interface BridgeStore {
  /** The seq of the last event this replica's clients were sent (what a snapshot now would carry). */
  readonly seq: number;
  readonly alertCount: number;
  readonly omitted: number;
  /** Events in seq order, for this replica's clients. */
  readonly onEvent: Event<BufferedEvent>;
  /** The shared state was replaced (Redis lost its stream): every client must be sent a fresh snapshot. */
  readonly onReset: Event<void>;
  /** The store cannot record changes (the reason, for clients' `error`), or is back (undefined). */
  readonly onDegraded: Event<string | undefined>;
  /** Set while changes cannot be recorded: actions are refused with it instead of being acknowledged. */
  readonly degradedReason: string | undefined;
  resume(lastSeq: number): ResumeAnswer | Promise<ResumeAnswer>;
  upsertAlert(alert: Alert): void;
  resolveAlert(id: string, resolvedAt: string, resolvedBy?: Person): boolean;
  getAlert(id: string): Alert | undefined;
  alerts(): Alert[];
  setOnCall(state: OnCallState): void;
  addDeploy(deploy: Deploy): void;
  /** Past firings a source knows of, for the firing history (protocol 1.1); how many were new. */
  addFirings(firings: readonly Firing[]): number;
  /** Resolves once every change made before the call is recorded (shared with the other replicas); rejects when it cannot be. */
  settled(): Promise<void>;
  dispose(): Promise<void>;
}

/** The in-memory store: the World itself (the bridge without --redis). */
export class MemoryStore implements BridgeStore {
  private readonly _never = new Emitter<void>();
  private readonly _neverDegraded = new Emitter<string | undefined>();
  readonly onEvent: Event<BufferedEvent>;
  readonly onReset: Event<void> = this._never.event;
  readonly onDegraded: Event<string | undefined> = this._neverDegraded.event;
  readonly degradedReason = undefined;

  constructor(readonly world: World) {
    this.onEvent = world.onEvent;
  }

  get seq(): number {
    return this.world.seq;
  }

  get alertCount(): number {
    return this.world.alertCount;
  }

  get omitted(): number {
    return this.world.omitted;
  }

  resume(lastSeq: number): ResumeAnswer {
    const plan = this.world.planResume(lastSeq);
    if (plan.kind === 'snapshot') return { frames: [encodeMessage(this.world.snapshot())], seq: this.world.seq, snapshot: true };
    return { frames: plan.events.map((e) => e.frame), seq: this.world.seq, snapshot: false };
  }

  upsertAlert(alert: Alert): void {
    this.world.upsertAlert(alert);
  }

  resolveAlert(id: string, resolvedAt: string, resolvedBy?: Person): boolean {
    return this.world.resolveAlert(id, resolvedAt, resolvedBy);
  }

  getAlert(id: string): Alert | undefined {
    return this.world.getAlert(id);
  }

  alerts(): Alert[] {
    return this.world.alerts();
  }

  setOnCall(state: OnCallState): void {
    this.world.setOnCall(state);
  }

  addDeploy(deploy: Deploy): void {
    this.world.addDeploy(deploy);
  }

  addFirings(firings: readonly Firing[]): number {
    return this.world.addFirings(firings);
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): Promise<void> {
    this.world.dispose();
    return Promise.resolve();
  }
}
