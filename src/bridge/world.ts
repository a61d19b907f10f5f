import { encodeMessage } from '../core/protocol/decode';
import type { Alert, Deploy, OnCallState, Person, SnapshotMessage, StateEvent } from '../core/protocol/types';
import { Emitter, type Event } from '../core/util/event';

/** One state event as broadcast: the seq and its serialised frame (serialised once, sent to every client). */
export interface BufferedEvent {
  seq: number;
  frame: string;
}

/** Fixed-capacity FIFO: the oldest entry is dropped when a new one does not fit. */
export class RingBuffer<T> {
  private readonly _items: Array<T | undefined>;
  private _start = 0;
  private _size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this._items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this._size;
  }

  push(item: T): void {
    const end = (this._start + this._size) % this.capacity;
    this._items[end] = item;
    if (this._size < this.capacity) this._size++;
    else this._start = (this._start + 1) % this.capacity;
  }

  /** i = 0 is the oldest. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this._size) return undefined;
    return this._items[(this._start + i) % this.capacity];
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this._size; i++) yield this._items[(this._start + i) % this.capacity] as T;
  }
}

export interface WorldOptions {
  /** Events kept for `resume`. */
  replayBufferSize: number;
  /** Most recent deploys kept for snapshots. */
  maxDeploys?: number;
  /** Resolved alerts kept for snapshots (open ones are never dropped). */
  maxResolvedAlerts?: number;
  /**
   * The seq the world starts at. A restarted bridge must not reuse a previous run's numbers, or a client
   * resuming from the old run would be "replayed" events of a different world; the CLI passes the start
   * time in milliseconds, so a new run's seqs are above any old run's.
   */
  initialSeq?: number;
}

export type ResumePlan = { kind: 'snapshot' } | { kind: 'replay'; events: BufferedEvent[] };

/**
 * The bridge's world state: alerts, on-call, recent deploys, the global seq and the replay buffer.
 * Every change goes through here, gets the next seq and fires `onEvent` once.
 */
export class World {
  private readonly _alerts = new Map<string, Alert>();
  /**
   * Ids of the resolved alerts, least recently changed first (the same order as in `_alerts`). Pruning used to
   * count them by walking every alert on every resolve, which made a resolve storm quadratic (30k events
   * over 45k alerts took 10 s in bench/); this keeps each prune O(1) amortised.
   */
  private readonly _resolvedIds = new Set<string>();
  private _oncall: OnCallState | null = null;
  private _deploys: Deploy[] = [];
  private _seq: number;
  private readonly _buffer: RingBuffer<BufferedEvent>;
  private readonly _maxDeploys: number;
  private readonly _maxResolved: number;
  private readonly _onEvent = new Emitter<BufferedEvent>();
  readonly onEvent: Event<BufferedEvent> = this._onEvent.event;

  constructor(opts: WorldOptions) {
    this._buffer = new RingBuffer(opts.replayBufferSize);
    this._seq = opts.initialSeq ?? 0;
    this._maxDeploys = opts.maxDeploys ?? 200;
    this._maxResolved = opts.maxResolvedAlerts ?? 500;
  }

  get seq(): number {
    return this._seq;
  }

  get alertCount(): number {
    return this._alerts.size;
  }

  getAlert(id: string): Alert | undefined {
    const a = this._alerts.get(id);
    return a && structuredClone(a);
  }

  alerts(): Alert[] {
    return [...this._alerts.values()].map((a) => structuredClone(a));
  }

  upsertAlert(alert: Alert): void {
    // Copied so a module mutating its object later cannot change what was broadcast.
    const a = structuredClone(alert);
    this._alerts.delete(a.id); // re-insert: Map order = last change, which pruning relies on
    this._alerts.set(a.id, a);
    this._resolvedIds.delete(a.id);
    if (a.status === 'resolved') this._resolvedIds.add(a.id);
    this._emit({ type: 'alert', seq: 0, alert: a });
    if (a.status === 'resolved') this._pruneResolved();
  }

  resolveAlert(id: string, resolvedAt: string, resolvedBy?: Person): boolean {
    const a = this._alerts.get(id);
    if (!a || a.status === 'resolved') return false;
    a.status = 'resolved';
    a.resolvedAt = resolvedAt;
    a.updatedAt = resolvedAt;
    if (resolvedBy) a.resolvedBy = resolvedBy; // later snapshots still say who
    delete a.escalation?.nextEscalationAt;
    this._alerts.delete(id);
    this._alerts.set(id, a);
    this._resolvedIds.add(id);
    this._emit({ type: 'alertResolved', seq: 0, alertResolved: resolvedBy ? { id, resolvedAt, resolvedBy } : { id, resolvedAt } });
    this._pruneResolved();
    return true;
  }

  setOnCall(state: OnCallState): void {
    this._oncall = structuredClone(state);
    this._emit({ type: 'oncall', seq: 0, oncall: this._oncall });
  }

  addDeploy(deploy: Deploy): void {
    const d = structuredClone(deploy);
    this._deploys.push(d);
    if (this._deploys.length > this._maxDeploys) this._deploys = this._deploys.slice(-this._maxDeploys);
    this._emit({ type: 'deploy', seq: 0, deploy: d });
  }

  snapshot(): SnapshotMessage {
    return {
      type: 'snapshot',
      seq: this._seq,
      alerts: [...this._alerts.values()],
      oncall: this._oncall,
      deploys: this._deploys,
    };
  }

  /**
   * What a client that applied everything up to `lastSeq` needs: the buffered events after it, or a
   * snapshot when it has no state (-1), is ahead of us (another bridge run), or fell behind the buffer.
   */
  planResume(lastSeq: number): ResumePlan {
    if (lastSeq < 0 || lastSeq > this._seq) return { kind: 'snapshot' };
    if (lastSeq === this._seq) return { kind: 'replay', events: [] };
    const oldest = this._buffer.at(0);
    // Replay only if the buffer still holds lastSeq + 1 (seqs are consecutive).
    if (!oldest || oldest.seq > lastSeq + 1) return { kind: 'snapshot' };
    const events: BufferedEvent[] = [];
    for (let i = lastSeq + 1 - oldest.seq; i < this._buffer.size; i++) events.push(this._buffer.at(i)!);
    return { kind: 'replay', events };
  }

  get bufferedEvents(): number {
    return this._buffer.size;
  }

  private _emit(msg: StateEvent): void {
    msg.seq = ++this._seq;
    const ev: BufferedEvent = { seq: msg.seq, frame: encodeMessage(msg) };
    this._buffer.push(ev);
    this._onEvent.fire(ev);
  }

  /** Drops the least recently changed resolved alerts beyond the limit (clients keep their own history). */
  private _pruneResolved(): void {
    for (const id of this._resolvedIds) {
      if (this._resolvedIds.size <= this._maxResolved) break;
      this._resolvedIds.delete(id);
      this._alerts.delete(id);
    }
  }
}
