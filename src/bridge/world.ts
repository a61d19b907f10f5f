import { encodeMessage } from '../core/protocol/decode';
import { capAlert, capOnCall, withTimelineEntry } from '../core/protocol/limits';
import type { Alert, Deploy, Firing, OnCallState, Person, Severity, SnapshotMessage, StateEvent } from '../core/protocol/types';
import { FiringHistory } from '../core/alerts/firingHistory';
import { Emitter, type Event } from '../core/util/event';
import { nullLogger, type Logger } from '../core/util/logger';

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

  clear(): void {
    this._items.fill(undefined);
    this._start = 0;
    this._size = 0;
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

/** A binary heap of string keys that can also remove or re-rank any key in O(log n). `before(a, b)`: a comes out first. */
export class IndexedHeap {
  private readonly _keys: string[] = [];
  private readonly _pos = new Map<string, number>();

  constructor(private readonly _before: (a: string, b: string) => boolean) {}

  get size(): number {
    return this._keys.length;
  }

  has(k: string): boolean {
    return this._pos.has(k);
  }

  peek(): string | undefined {
    return this._keys[0];
  }

  push(k: string): void {
    if (this._pos.has(k)) this.delete(k);
    this._keys.push(k);
    this._pos.set(k, this._keys.length - 1);
    this._up(this._keys.length - 1);
  }

  pop(): string | undefined {
    const top = this._keys[0];
    if (top !== undefined) this.delete(top);
    return top;
  }

  delete(k: string): boolean {
    const i = this._pos.get(k);
    if (i === undefined) return false;
    const last = this._keys.pop()!;
    this._pos.delete(k);
    if (i < this._keys.length) {
      this._keys[i] = last;
      this._pos.set(last, i);
      this._down(i);
      this._up(i);
    }
    return true;
  }

  private _up(i: number): void {
    const keys = this._keys;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this._before(keys[i]!, keys[p]!)) break;
      this._swap(i, p);
      i = p;
    }
  }

  private _down(i: number): void {
    const keys = this._keys;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < keys.length && this._before(keys[l]!, keys[m]!)) m = l;
      if (r < keys.length && this._before(keys[r]!, keys[m]!)) m = r;
      if (m === i) return;
      this._swap(i, m);
      i = m;
    }
  }

  private _swap(i: number, j: number): void {
    const a = this._keys[i]!;
    const b = this._keys[j]!;
    this._keys[i] = b;
    this._keys[j] = a;
    this._pos.set(b, i);
    this._pos.set(a, j);
  }
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, warning: 2, info: 3 };

/** Open alerts over the limit are kept by this order: severity, then the newest start, then id (a total order). */
export function outranks(a: Alert, b: Alert): boolean {
  const s = SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
  if (s !== 0) return s < 0;
  const t = Date.parse(a.startedAt) - Date.parse(b.startedAt);
  if (t !== 0) return t > 0;
  return a.id < b.id;
}

export const DEFAULT_MAX_OPEN_ALERTS = 20_000;
/** Encoded size of every alert a snapshot carries (open and resolved history): keeps it well under the 256 MiB frame limit. */
export const DEFAULT_MAX_SNAPSHOT_ALERT_CHARS = 64 * 1024 * 1024;

export interface WorldOptions {
  /** Events kept for `resume`. */
  replayBufferSize: number;
  /** Most recent deploys kept for snapshots. */
  maxDeploys?: number;
  /** Resolved alerts kept for snapshots. */
  maxResolvedAlerts?: number;
  /**
   * Open alerts sent to clients. Beyond it the lowest-ranked ones (`outranks`: severity, then newest start) are
   * set aside: kept here, counted in `omitted`, not sent; they come back when room frees. Default 20,000.
   */
  maxOpenAlerts?: number;
  /** Set-aside alerts kept beyond `maxOpenAlerts`; the lowest-ranked beyond that are forgotten (logged). Default 4 × maxOpenAlerts. */
  maxSetAsideAlerts?: number;
  /** Encoded characters of all alerts sent (open and resolved). Default 64 Mi. */
  maxSnapshotAlertChars?: number;
  /** For the one-line summaries of what the limit set aside (at most one line per 10 s). */
  logger?: Logger;
  /** For the log summaries' pacing. Default Date.now. */
  now?: () => number;
  /**
   * The seq the world starts at. A restarted bridge must not reuse a previous run's numbers, or a client
   * resuming from the old run would be "replayed" events of a different world; the CLI passes the start
   * time in milliseconds, so a new run's seqs are above any old run's.
   */
  initialSeq?: number;
}

export type ResumePlan = { kind: 'snapshot' } | { kind: 'replay'; events: BufferedEvent[] };

/** One alert as a shared store keeps it: `aside` = held but not sent (over the open-alert limit); `order` = last change. */
export interface StoredAlert {
  alert: Alert;
  aside: boolean;
  order: number;
}

/** Everything a World holds except its replay buffer: what clustered mode keeps in Redis (see cluster/redisStore.ts). */
export interface WorldState {
  seq: number;
  alerts: StoredAlert[];
  oncall: OnCallState | null;
  deploys: Deploy[];
  /** Protocol 1.1 firing history; absent (a state Redis holds): rebuilt from the alerts. */
  history?: Firing[];
}

/** What changed since the last `takeChanges`: alert ids touched (present or gone), and whether on-call / deploys / the firing history changed. */
export interface WorldChanges {
  alerts: Map<string, StoredAlert | null>;
  oncall: boolean;
  deploys: boolean;
  history: boolean;
}

/**
 * The bridge's world state: alerts, on-call, recent deploys, the global seq and the replay buffer.
 * Every change goes through here, gets the next seq and fires `onEvent`.
 *
 * Open-alert limit: at most `maxOpenAlerts` open alerts (and `maxSnapshotAlertChars` of them, encoded) are
 * sent to clients. The rest are *set aside*: held here (sources see them through `getAlert`/`alerts`), counted
 * in every snapshot's and state event's `omitted`, announced with one `alert` event carrying `hidden: true`,
 * and brought back (an ordinary `alert` event) as soon as room frees. Which ones are sent is decided by
 * `outranks` — severity, then the newest start — so the newest critical alert is never the one set aside
 * while a lower-severity or older one is shown. Invariant: every set-aside alert ranks below every open alert
 * that is sent.
 */
export class World {
  /** Alerts clients are sent (open ones within the limit, plus resolved history), least recently changed first. */
  private readonly _alerts = new Map<string, Alert>();
  /** Encoded size of each alert in `_alerts` and of the set-aside ones. */
  private readonly _size = new Map<string, number>();
  private _sentChars = 0;
  /**
   * Ids of the resolved alerts, least recently changed first (the same order as in `_alerts`). Pruning used to
   * count them by walking every alert on every resolve, which made a resolve storm quadratic (30k events
   * over 45k alerts took 10 s in bench/); this keeps each prune O(1) amortised.
   */
  private readonly _resolvedIds = new Set<string>();
  /** Open alerts that are sent, the lowest-ranked on top. */
  private readonly _openWorst = new IndexedHeap((a, b) => outranks(this._get(b), this._get(a)));
  /** Set-aside open alerts: the best on top (next to come back) and the worst on top (first forgotten). */
  private readonly _asideBest = new IndexedHeap((a, b) => outranks(this._get(a), this._get(b)));
  private readonly _asideWorst = new IndexedHeap((a, b) => outranks(this._get(b), this._get(a)));
  private readonly _aside = new Map<string, Alert>();
  private _oncall: OnCallState | null = null;
  private _deploys: Deploy[] = [];
  private _seq: number;
  private readonly _buffer: RingBuffer<BufferedEvent>;
  private readonly _maxDeploys: number;
  private readonly _maxResolved: number;
  private readonly _maxOpen: number;
  private readonly _maxAside: number;
  private readonly _maxChars: number;
  private readonly _log: Logger;
  private readonly _now: () => number;
  /** What the limit did since the last summary line: one line per 10 s at most, not one per alert. */
  private _pending = { setAside: 0, returned: 0, forgotten: 0 };
  private _lastSummaryAt = -Infinity;
  private _summaryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Protocol 1.1: recent firings per rule and service (bounded; sent in every snapshot). */
  private readonly _history: FiringHistory;
  private readonly _onEvent = new Emitter<BufferedEvent>();
  readonly onEvent: Event<BufferedEvent> = this._onEvent.event;
  /** Last-change order of each held alert (a shared store rebuilds Map order from it). */
  private readonly _order = new Map<string, number>();
  private _orderCounter = 0;
  /** Ids touched since `takeChanges` (only tracked once `trackChanges` was called: in-memory mode pays nothing). */
  private _dirty: Set<string> | undefined;
  private _dirtyOncall = false;
  private _dirtyDeploys = false;
  private _dirtyHistory = false;

  constructor(opts: WorldOptions) {
    this._buffer = new RingBuffer(opts.replayBufferSize);
    this._seq = opts.initialSeq ?? 0;
    this._maxDeploys = opts.maxDeploys ?? 200;
    this._maxResolved = opts.maxResolvedAlerts ?? 500;
    this._maxOpen = Math.max(1, opts.maxOpenAlerts ?? DEFAULT_MAX_OPEN_ALERTS);
    this._maxAside = Math.max(0, opts.maxSetAsideAlerts ?? 4 * this._maxOpen);
    this._maxChars = Math.max(1, opts.maxSnapshotAlertChars ?? DEFAULT_MAX_SNAPSHOT_ALERT_CHARS);
    this._log = opts.logger ?? nullLogger;
    this._now = opts.now ?? Date.now;
    this._history = new FiringHistory(this._now);
  }

  /** The on-call state the source last set (null before it sent one). */
  get oncall(): OnCallState | null {
    return this._oncall && structuredClone(this._oncall);
  }

  /** The firing history (copies, oldest first). */
  history(): Firing[] {
    return this._history.all();
  }

  /**
   * Past firings a source knows of (the demo's, a source's own history): added to the history clients get with
   * the next snapshot. Live ones need no call: every alert the world sees is recorded.
   */
  addFirings(firings: readonly Firing[]): number {
    let n = 0;
    for (const f of firings) if (this._history.add(f)) n++;
    if (n > 0) this._dirtyHistory = true;
    return n;
  }

  get seq(): number {
    return this._seq;
  }

  /** Every alert held: sent, resolved history and set aside. */
  get alertCount(): number {
    return this._alerts.size + this._aside.size;
  }

  /** Open alerts held but not sent (over the open-alert limit). */
  get omitted(): number {
    return this._aside.size;
  }

  get maxOpenAlerts(): number {
    return this._maxOpen;
  }

  /** Also finds set-aside alerts: for sources they are as real as any other. */
  getAlert(id: string): Alert | undefined {
    const a = this._alerts.get(id) ?? this._aside.get(id);
    return a && structuredClone(a);
  }

  /** Every alert held, set-aside ones included (sources reconcile against all of them). */
  alerts(): Alert[] {
    const out = [...this._alerts.values()].map((a) => structuredClone(a));
    for (const a of this._aside.values()) out.push(structuredClone(a));
    return out;
  }

  upsertAlert(alert: Alert): void {
    // Copied so a module mutating its object later cannot change what was broadcast; capped so that no
    // source (whatever its mapping does) can make one alert cost unbounded memory in every client.
    const a = capAlert(structuredClone(alert));
    if (this._history.observeAlert(a)) this._dirtyHistory = true;
    const size = JSON.stringify(a).length;
    const wasAside = this._aside.has(a.id);
    this._forget(a.id);
    if (a.status === 'resolved') {
      this._addSent(a, size);
      this._emit({ type: 'alert', seq: 0, alert: a });
      this._pruneResolved();
      this._settle();
      return;
    }
    const best = this._asideBest.peek();
    if (best !== undefined && outranks(this._get(best), a)) {
      // Ranks below an alert already set aside: set aside too (news for clients only when it was not already).
      this._setAside(a, size, !wasAside);
      return;
    }
    this._addSent(a, size);
    // Over the limit: the lowest-ranked sent alerts make room (possibly this one) before anything is sent.
    const demoted = this._shrink();
    for (const id of demoted) if (!(id === a.id && wasAside)) this._emitAside(id);
    if (this._alerts.has(a.id)) {
      if (wasAside) this._pending.returned++;
      this._emit({ type: 'alert', seq: 0, alert: a });
    }
    this._summary();
  }

  resolveAlert(id: string, resolvedAt: string, resolvedBy?: Person): boolean {
    if (this._history.observeResolved(id, resolvedAt)) this._dirtyHistory = true;
    const aside = this._aside.get(id);
    if (aside) {
      // Clients never had it; the event still carries the new `omitted` count.
      this._forget(id);
      this._emit({ type: 'alertResolved', seq: 0, alertResolved: resolvedBy ? { id, resolvedAt, resolvedBy } : { id, resolvedAt } });
      this._refill();
      return true;
    }
    const a = this._alerts.get(id);
    if (!a || a.status === 'resolved') return false;
    this._forget(id);
    a.status = 'resolved';
    a.resolvedAt = resolvedAt;
    a.updatedAt = resolvedAt;
    if (resolvedBy) a.resolvedBy = resolvedBy; // later snapshots still say who
    delete a.escalation?.nextEscalationAt;
    delete a.snoozedUntil;
    // A source that keeps a timeline (protocol 1.1) gets its last entry here, so later snapshots end with it.
    if (a.timeline) a.timeline = withTimelineEntry(a.timeline, { at: resolvedAt, kind: 'resolved', ...(resolvedBy ? { actor: resolvedBy } : {}) });
    this._addSent(a, JSON.stringify(a).length);
    this._emit({ type: 'alertResolved', seq: 0, alertResolved: resolvedBy ? { id, resolvedAt, resolvedBy } : { id, resolvedAt } });
    this._pruneResolved();
    this._settle();
    return true;
  }

  setOnCall(state: OnCallState): void {
    // Capped like alerts: a source's people directory (protocol 1.1) costs bounded memory in every client.
    this._oncall = capOnCall(structuredClone(state));
    this._dirtyOncall = true;
    this._emit({ type: 'oncall', seq: 0, oncall: this._oncall });
  }

  /**
   * Adds a deploy, unless the very same one (same id, same content) is already held: then nothing happens (no
   * event). A delivery applied again — a sender's retry after the bridge could not confirm it, or a clustered
   * replica re-applying what a new epoch's seed lacks — is not a second deploy.
   */
  addDeploy(deploy: Deploy): void {
    const d = structuredClone(deploy);
    const json = JSON.stringify(d);
    for (let i = this._deploys.length - 1; i >= 0; i--) {
      const held = this._deploys[i]!;
      if (held.id === d.id && JSON.stringify(held) === json) return;
    }
    this._deploys.push(d);
    if (this._deploys.length > this._maxDeploys) this._deploys = this._deploys.slice(-this._maxDeploys);
    this._dirtyDeploys = true;
    this._emit({ type: 'deploy', seq: 0, deploy: d });
  }

  snapshot(): SnapshotMessage {
    const snap: SnapshotMessage = {
      type: 'snapshot',
      seq: this._seq,
      alerts: [...this._alerts.values()],
      oncall: this._oncall,
      deploys: this._deploys,
    };
    if (this._aside.size > 0) snap.omitted = this._aside.size;
    const history = this._history.all();
    if (history.length > 0) snap.history = history;
    return snap;
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

  /** Starts recording which alerts change (for `takeChanges`). */
  trackChanges(): void {
    this._dirty ??= new Set();
  }

  /** What changed since the last call (needs `trackChanges`), and forgets it. */
  takeChanges(): WorldChanges {
    const alerts = new Map<string, StoredAlert | null>();
    for (const id of this._dirty ?? []) alerts.set(id, this._stored(id) ?? null);
    const out: WorldChanges = { alerts, oncall: this._dirtyOncall, deploys: this._dirtyDeploys, history: this._dirtyHistory };
    this._dirty?.clear();
    this._dirtyOncall = false;
    this._dirtyDeploys = false;
    this._dirtyHistory = false;
    return out;
  }

  /** Everything but the replay buffer, for a shared store to keep (copies). */
  exportState(): WorldState {
    const alerts: StoredAlert[] = [];
    for (const id of [...this._alerts.keys(), ...this._aside.keys()]) alerts.push(this._stored(id)!);
    return { seq: this._seq, alerts, oncall: this._oncall && structuredClone(this._oncall), deploys: structuredClone(this._deploys), history: this._history.all() };
  }

  /**
   * Replaces everything held with `state` (as `exportState` gave it, possibly from another replica) and empties the
   * replay buffer. Fires no events; pending changes are forgotten. The limits are not re-applied: the state came from
   * a World with the same options.
   */
  restore(state: WorldState): void {
    for (const id of [...this._alerts.keys(), ...this._aside.keys()]) this._forget(id);
    this._order.clear();
    this._orderCounter = 0;
    const sorted = [...state.alerts].sort((a, b) => a.order - b.order);
    for (const s of sorted) {
      const a = structuredClone(s.alert);
      const size = JSON.stringify(a).length;
      if (s.aside && a.status !== 'resolved') {
        this._aside.set(a.id, a);
        this._size.set(a.id, size);
        this._asideBest.push(a.id);
        this._asideWorst.push(a.id);
        this._touch(a.id);
      } else {
        this._addSent(a, size);
      }
    }
    this._oncall = state.oncall && structuredClone(state.oncall);
    this._deploys = structuredClone(state.deploys);
    this._history.replaceAll(state.history ?? []);
    if (!state.history) for (const s of sorted) this._history.observeAlert(s.alert);
    this._seq = state.seq;
    this._buffer.clear();
    this._dirty?.clear();
    this._dirtyOncall = false;
    this._dirtyDeploys = false;
    this._dirtyHistory = false;
  }

  get bufferedEvents(): number {
    return this._buffer.size;
  }

  /** Stops the pending summary timer (the bridge calls it on close). */
  dispose(): void {
    if (this._summaryTimer !== undefined) clearTimeout(this._summaryTimer);
    this._summaryTimer = undefined;
    this._flushSummary();
  }

  // ---- internals

  private _stored(id: string): StoredAlert | undefined {
    const sent = this._alerts.get(id);
    const a = sent ?? this._aside.get(id);
    if (!a) return undefined;
    return { alert: structuredClone(a), aside: sent === undefined, order: this._order.get(id) ?? 0 };
  }

  private _touch(id: string): void {
    this._order.set(id, ++this._orderCounter);
    this._dirty?.add(id);
  }

  private _get(id: string): Alert {
    return (this._alerts.get(id) ?? this._aside.get(id))!;
  }

  private _emit(msg: StateEvent): void {
    msg.seq = ++this._seq;
    // Every state event carries the count as of its seq, so a replay leaves a client with the right one.
    if (this._aside.size > 0) msg.omitted = this._aside.size;
    const ev: BufferedEvent = { seq: msg.seq, frame: encodeMessage(msg) };
    this._buffer.push(ev);
    this._onEvent.fire(ev);
  }

  private _emitAside(id: string): void {
    const a = this._aside.get(id);
    if (a) this._emit({ type: 'alert', seq: 0, alert: a, hidden: true });
  }

  /** Removes an alert from wherever it is held (sent, resolved history, set aside). */
  private _forget(id: string): void {
    const size = this._size.get(id) ?? 0;
    if (this._alerts.has(id)) {
      this._openWorst.delete(id);
      this._alerts.delete(id);
      this._resolvedIds.delete(id);
      this._sentChars -= size;
    } else if (this._aside.has(id)) {
      this._asideBest.delete(id);
      this._asideWorst.delete(id);
      this._aside.delete(id);
    }
    this._size.delete(id);
    this._order.delete(id);
    this._dirty?.add(id);
  }

  private _addSent(a: Alert, size: number): void {
    // Re-inserted last: Map order = last change, which pruning relies on.
    this._alerts.set(a.id, a);
    this._size.set(a.id, size);
    this._sentChars += size;
    if (a.status === 'resolved') this._resolvedIds.add(a.id);
    else this._openWorst.push(a.id);
    this._touch(a.id);
  }

  private _setAside(a: Alert, size: number, announce: boolean): void {
    if (this._aside.size >= this._maxAside) {
      // Full: the lowest-ranked set-aside alert is forgotten (its source offers it again while it is open).
      const worst = this._asideWorst.peek();
      if (worst === undefined || outranks(this._get(worst), a)) {
        this._pending.forgotten++;
        this._summary();
        return;
      }
      this._forget(worst);
      this._pending.forgotten++;
    }
    this._aside.set(a.id, a);
    this._size.set(a.id, size);
    this._asideBest.push(a.id);
    this._asideWorst.push(a.id);
    this._touch(a.id);
    if (announce) {
      this._pending.setAside++;
      this._emitAside(a.id);
    }
    this._summary();
  }

  /** After a change that may have freed room or used it up: back within the limits, then refilled. */
  private _settle(): void {
    for (const id of this._shrink()) this._emitAside(id);
    this._refill();
  }

  /** Sets aside the lowest-ranked sent open alerts while over a limit (resolved history goes first when only size is over); returns their ids. */
  private _shrink(): string[] {
    const demoted: string[] = [];
    while (this._openWorst.size > this._maxOpen || (this._sentChars > this._maxChars && this._alerts.size > 1)) {
      if (this._openWorst.size <= this._maxOpen && this._resolvedIds.size > 0) {
        const oldest = this._resolvedIds.values().next().value as string;
        this._forget(oldest);
        continue;
      }
      const worst = this._openWorst.peek();
      if (worst === undefined) break;
      const a = this._alerts.get(worst)!;
      const size = this._size.get(worst) ?? 0;
      this._forget(worst);
      this._setAside(a, size, false);
      if (this._aside.has(worst)) {
        this._pending.setAside++;
        demoted.push(worst);
      }
    }
    return demoted;
  }

  /** Brings set-aside alerts back, best first, while they fit. */
  private _refill(): void {
    for (;;) {
      const best = this._asideBest.peek();
      if (best === undefined || this._openWorst.size >= this._maxOpen) break;
      const size = this._size.get(best) ?? 0;
      if (this._sentChars + size > this._maxChars && this._alerts.size > 0) break;
      const a = this._aside.get(best)!;
      this._forget(best);
      this._addSent(a, size);
      this._pending.returned++;
      this._emit({ type: 'alert', seq: 0, alert: a });
    }
    this._summary();
  }

  /** Drops the least recently changed resolved alerts beyond the limit (clients keep their own history). */
  private _pruneResolved(): void {
    for (const id of this._resolvedIds) {
      if (this._resolvedIds.size <= this._maxResolved) break;
      this._forget(id);
    }
  }

  /** One summary line per 10 s while the limit is at work (a flood of 100k alerts must not write 100k lines). */
  private _summary(): void {
    const p = this._pending;
    if (p.setAside === 0 && p.returned === 0 && p.forgotten === 0) return;
    const now = this._now();
    if (now - this._lastSummaryAt >= 10_000) {
      this._flushSummary();
      return;
    }
    if (this._summaryTimer === undefined) {
      this._summaryTimer = setTimeout(() => {
        this._summaryTimer = undefined;
        this._flushSummary();
      }, 10_000 - (now - this._lastSummaryAt));
      this._summaryTimer.unref?.();
    }
  }

  private _flushSummary(): void {
    const p = this._pending;
    if (p.setAside === 0 && p.returned === 0 && p.forgotten === 0) return;
    this._lastSummaryAt = this._now();
    const parts: string[] = [];
    if (p.setAside) parts.push(`${p.setAside} set aside`);
    if (p.returned) parts.push(`${p.returned} brought back`);
    if (p.forgotten) parts.push(`${p.forgotten} forgotten (more than ${this._maxAside} set aside; their source sends them again while they are open)`);
    this._log.warn(
      `open-alert limit (${this._maxOpen} sent to editors, lowest severity and oldest first set aside): ${parts.join(', ')}; now ${this._openWorst.size} sent, ${this._aside.size} not shown`,
    );
    this._pending = { setAside: 0, returned: 0, forgotten: 0 };
  }
}
