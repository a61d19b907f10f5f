/**
 * In-memory alert state for one connection. Map-based (O(1) upsert), a per-alert state machine,
 * incrementally kept counts, bounded retention of resolved alerts, and grouped/sorted views that are
 * built lazily and cached until the next change (the tree asks for them repeatedly).
 *
 * Every public mutation is one batch and fires `onDidChange` at most once, so a 100k-alert snapshot
 * is one event, not 100k. Callers may wrap several mutations in `batch()` for the same effect.
 */
import type { Alert, AlertStatus, Person, Severity } from '../protocol/types';
import type { Clock } from '../util/clock';
import { Disposable, type IDisposable } from '../util/disposable';
import { Emitter, type Event } from '../util/event';
import { GroupIndex, type AlertGroup } from './groupIndex';
import { compareEntries, severityAgeKey, toEntry, type AlertEntry, type GroupBy } from './ordering';

export type { AlertGroup } from './groupIndex';
export type { GroupBy } from './ordering';

export interface AlertStoreOptions {
  clock: Clock;
  /** Most resolved alerts kept; the earliest resolved go first. Default 200 (the setting's default). */
  maxResolved?: number;
  /** How long a resolved alert stays, measured from its resolvedAt. Default 4 h. */
  maxResolvedAgeMs?: number;
}

export interface AlertChangeEvent {
  added: readonly Alert[];
  updated: readonly Alert[];
  /** Ids that left the store (retention, snapshot, remove). */
  removed: readonly string[];
  /** The batch applied (part of) a snapshot: its alerts are the source's state, not news. */
  snapshot?: boolean;
}

/**
 * What a single apply did. `stale`: older updatedAt than the store has; `invalidTransition`: e.g.
 * resolved → acknowledged (a resolved alert may only re-trigger); `unknown`: resolve of an id the
 * store does not hold; `unchanged`: resolve of an already resolved alert.
 */
export type ApplyOutcome = 'added' | 'updated' | 'stale' | 'invalidTransition' | 'unknown' | 'unchanged';

export interface AlertCounts {
  total: number;
  byStatus: Readonly<Record<AlertStatus, number>>;
  bySeverity: Readonly<Record<Severity, number>>;
  /** Severity counts of alerts that still need someone (triggered or acknowledged). */
  activeBySeverity: Readonly<Record<Severity, number>>;
  /** Severity counts of triggered alerts (nobody has them yet): "a critical is unacked" without a walk. */
  triggeredBySeverity: Readonly<Record<Severity, number>>;
}

export const DEFAULT_MAX_RESOLVED = 200;
export const DEFAULT_MAX_RESOLVED_AGE_MS = 4 * 60 * 60 * 1000;

type PendingKind = 'added' | 'updated' | 'removed';

const zeroStatus = (): Record<AlertStatus, number> => ({ triggered: 0, acknowledged: 0, resolved: 0 });
const zeroSeverity = (): Record<Severity, number> => ({ critical: 0, high: 0, warning: 0, info: 0 });

/** The state machine: triggered ↔ acknowledged → resolved, and resolved → triggered (re-fire). */
export function canTransition(from: AlertStatus, to: AlertStatus): boolean {
  return !(from === 'resolved' && to === 'acknowledged');
}

export class AlertStore extends Disposable {
  private readonly _entries = new Map<string, AlertEntry>();
  /** Resolved ids → resolvedMs, oldest first (insertion order; snapshots are inserted sorted). */
  private readonly _resolved = new Map<string, number>();
  private readonly _indexes = new Map<GroupBy, GroupIndex>();
  private readonly _byStatus = zeroStatus();
  private readonly _bySeverity = zeroSeverity();
  private readonly _activeBySeverity = zeroSeverity();
  private readonly _triggeredBySeverity = zeroSeverity();
  private _counts: AlertCounts | undefined;
  private _sorted: readonly Alert[] | undefined;
  private _top: { n: number; version: number; alerts: readonly Alert[] } | undefined;
  private _version = 0;

  private _batchDepth = 0;
  private _deferred = false;
  private _snapshotBatch = false;
  private readonly _pending = new Map<string, PendingKind>();
  private _ageTimer: IDisposable | undefined;
  private _ageTimerAt = 0;

  private readonly _clock: Clock;
  private _maxResolved: number;
  private _maxResolvedAgeMs: number;

  private readonly _onDidChange = this._register(new Emitter<AlertChangeEvent>());
  readonly onDidChange: Event<AlertChangeEvent> = this._onDidChange.event;

  constructor(options: AlertStoreOptions) {
    super();
    this._clock = options.clock;
    this._maxResolved = sanitizeLimit(options.maxResolved, DEFAULT_MAX_RESOLVED);
    this._maxResolvedAgeMs = sanitizeLimit(options.maxResolvedAgeMs, DEFAULT_MAX_RESOLVED_AGE_MS);
    this._register({ dispose: () => this._ageTimer?.dispose() });
  }

  // ---- reading ----

  get size(): number {
    return this._entries.size;
  }

  /** Increments on every change event; lets callers cache derived data cheaply. */
  get version(): number {
    return this._version;
  }

  get triggeredCount(): number {
    return this._byStatus.triggered;
  }

  /** Triggered alerts of this severity (kept incrementally, O(1)). */
  triggeredOf(severity: Severity): number {
    return this._triggeredBySeverity[severity];
  }

  get(id: string): Alert | undefined {
    return this._entries.get(id)?.alert;
  }

  has(id: string): boolean {
    return this._entries.has(id);
  }

  values(): IterableIterator<Alert> {
    const it = this._entries.values();
    return (function* () {
      for (const e of it) yield e.alert;
    })();
  }

  get counts(): AlertCounts {
    this._counts ??= Object.freeze({
      total: this._entries.size,
      byStatus: Object.freeze({ ...this._byStatus }),
      bySeverity: Object.freeze({ ...this._bySeverity }),
      activeBySeverity: Object.freeze({ ...this._activeBySeverity }),
      triggeredBySeverity: Object.freeze({ ...this._triggeredBySeverity }),
    });
    return this._counts;
  }

  /** Every alert in display order (see ordering.ts). Cached until the next change. */
  sorted(): readonly Alert[] {
    this._sorted ??= [...this._entries.values()].sort(compareEntries).map((e) => e.alert);
    return this._sorted;
  }

  /**
   * The `n` triggered alerts that matter most — most severe first, then newest (then id) — by one pass with an
   * n-element insertion list: O(size · n) worst case, usually one comparison per alert; no sort of the whole store.
   * Cached until the next change.
   */
  topTriggered(n: number): readonly Alert[] {
    const k = Math.max(0, Math.floor(n));
    if (this._top && this._top.n === k && this._top.version === this._version) return this._top.alerts;
    const top: { entry: AlertEntry; key: number }[] = [];
    if (k > 0 && this._byStatus.triggered > 0) {
      for (const e of this._entries.values()) {
        if (e.alert.status !== 'triggered') continue;
        // The display key without its status slot (a snoozed triggered alert still ranks by severity and age here).
        const key = triggeredKeyOf(e);
        if (top.length === k && !lessThan(key, e, top[k - 1]!)) continue;
        let i = top.length === k ? k - 1 : top.length;
        while (i > 0 && lessThan(key, e, top[i - 1]!)) {
          top[i] = top[i - 1]!;
          i--;
        }
        top[i] = { entry: e, key };
      }
    }
    const alerts = Object.freeze(top.map((t) => t.entry.alert));
    this._top = { n: k, version: this._version, alerts };
    return alerts;
  }

  /** Non-empty groups in display order, each sorted. Unchanged groups keep their array instance. */
  groups(by: GroupBy): readonly AlertGroup[] {
    let index = this._indexes.get(by);
    if (!index) {
      // Built on first use, then maintained incrementally.
      index = new GroupIndex(by);
      for (const e of this._entries.values()) index.add(e);
      this._indexes.set(by, index);
    }
    return index.groups();
  }

  // ---- writing ----

  /** Runs `fn` as one batch: a single change event after it, whatever it mutated. Nests. */
  batch<T>(fn: () => T): T {
    this._batchDepth++;
    try {
      return fn();
    } finally {
      if (--this._batchDepth === 0) this._endBatch();
    }
  }

  /**
   * Holds this store's change event until the running task's microtasks: every mutation until then is one
   * batch. The transport calls it per received frame, so the events a socket delivers in one read (dozens
   * in a burst) fire one change, not one each. The state itself changes at once; only the event waits.
   */
  deferChangesToMicrotask(): void {
    if (this._deferred) return;
    this._deferred = true;
    this._batchDepth++;
    queueMicrotask(() => {
      this._deferred = false;
      if (--this._batchDepth === 0) this._endBatch();
    });
  }

  /**
   * Adds or updates one alert from a live event. An update applies only when its updatedAt is not
   * older than the stored one and the status change is allowed by the state machine.
   */
  upsert(alert: Alert): ApplyOutcome {
    return this.batch(() => this._apply(alert, false));
  }

  upsertMany(alerts: Iterable<Alert>): ApplyOutcome[] {
    return this.batch(() => [...alerts].map((a) => this._apply(a, false)));
  }

  /**
   * Marks an alert resolved. The server's event order is authoritative here, so no updatedAt check:
   * a source whose resolvedAt clock lags the bridge's updatedAt must not leave an alert firing forever.
   */
  resolve(id: string, at: string, by?: Person): ApplyOutcome {
    return this.batch(() => {
      const old = this._entries.get(id);
      if (!old) return 'unknown';
      if (old.alert.status === 'resolved') return 'unchanged';
      const atMs = Date.parse(at);
      const updatedAt = atMs >= old.updatedMs ? at : old.alert.updatedAt;
      return this._apply({ ...old.alert, status: 'resolved', resolvedAt: at, updatedAt, ...(by ? { resolvedBy: by } : {}) }, true);
    });
  }

  /** Makes the store hold exactly `alerts` (a snapshot): no staleness or transition checks. */
  replaceAll(alerts: Iterable<Alert>): void {
    this.batch(() => {
      const seen = new Set<string>();
      this.applySnapshotPart(alerts, seen);
      this.removeAllExcept(seen);
    });
  }

  /**
   * One part of a snapshot that comes in parts (protocol 1.1 `snapshotChunk`): its alerts as the source has them
   * (no staleness or transition checks, like `replaceAll`), one batch; their ids are added to `seen`. Alerts the
   * snapshot no longer has stay until `removeAllExcept(seen)` after the last part.
   */
  applySnapshotPart(alerts: Iterable<Alert>, seen: Set<string>): void {
    this._snapshotBatch = true;
    this.batch(() => {
      for (const a of alerts) {
        seen.add(a.id);
        this._apply(a, true);
      }
    });
  }

  /** Ends a snapshot: removes every alert whose id is not in `keep`, one batch. */
  removeAllExcept(keep: ReadonlySet<string>): void {
    this.batch(() => {
      // Deleting the entry being visited is safe in a Map's iteration (no copy of 100k entries first).
      for (const [id, e] of this._entries) if (!keep.has(id)) this._remove(e);
      // Retention drops the earliest resolved first, so rebuild that order from resolvedAt.
      const resolved = [...this._resolved].sort((a, b) => a[1] - b[1]);
      this._resolved.clear();
      for (const [id, ms] of resolved) this._resolved.set(id, ms);
    });
  }

  remove(ids: Iterable<string>): void {
    this.batch(() => {
      for (const id of ids) {
        const e = this._entries.get(id);
        if (e) this._remove(e);
      }
    });
  }

  clear(): void {
    this.replaceAll([]);
  }

  /** New retention limits (settings changed); applies at once. */
  setRetention(maxResolved: number | undefined, maxResolvedAgeMs: number | undefined): void {
    this._maxResolved = sanitizeLimit(maxResolved, DEFAULT_MAX_RESOLVED);
    this._maxResolvedAgeMs = sanitizeLimit(maxResolvedAgeMs, DEFAULT_MAX_RESOLVED_AGE_MS);
    this.batch(() => undefined);
  }

  // ---- internals ----

  private _apply(alert: Alert, force: boolean): ApplyOutcome {
    const old = this._entries.get(alert.id);
    const entry = toEntry(alert);
    if (!old) {
      this._insert(entry);
      if (alert.status === 'resolved') this._resolved.set(alert.id, this._resolvedMs(entry));
      this._mark(alert.id, 'added');
      return 'added';
    }
    if (!force) {
      if (entry.updatedMs < old.updatedMs) return 'stale';
      if (!canTransition(old.alert.status, alert.status)) return 'invalidTransition';
    }
    this._unindex(old);
    this._insert(entry);
    if (alert.status !== 'resolved') this._resolved.delete(alert.id);
    // Map.set on an existing key keeps its position, so a resolved alert that is merely edited
    // keeps its place in the retention order.
    else this._resolved.set(alert.id, this._resolvedMs(entry));
    this._mark(alert.id, 'updated');
    return 'updated';
  }

  private _remove(e: AlertEntry): void {
    this._unindex(e);
    this._entries.delete(e.alert.id);
    this._resolved.delete(e.alert.id);
    this._mark(e.alert.id, 'removed');
  }

  private _insert(e: AlertEntry): void {
    const a = e.alert;
    this._entries.set(a.id, e);
    for (const index of this._indexes.values()) index.add(e);
    this._byStatus[a.status]++;
    this._bySeverity[a.severity]++;
    if (a.status !== 'resolved') this._activeBySeverity[a.severity]++;
    if (a.status === 'triggered') this._triggeredBySeverity[a.severity]++;
  }

  /** Takes an entry out of indexes and counts (not out of `_entries`: the caller replaces or deletes). */
  private _unindex(e: AlertEntry): void {
    const a = e.alert;
    for (const index of this._indexes.values()) index.remove(e);
    this._byStatus[a.status]--;
    this._bySeverity[a.severity]--;
    if (a.status !== 'resolved') this._activeBySeverity[a.severity]--;
    if (a.status === 'triggered') this._triggeredBySeverity[a.severity]--;
  }

  private _resolvedMs(e: AlertEntry): number {
    const ms = e.alert.resolvedAt === undefined ? NaN : Date.parse(e.alert.resolvedAt);
    if (!Number.isNaN(ms)) return ms;
    return Number.isNaN(e.updatedMs) ? this._clock.now() : e.updatedMs;
  }

  /** Folds per-id changes within a batch: added+updated = added, added+removed = nothing. */
  private _mark(id: string, kind: PendingKind): void {
    const prev = this._pending.get(id);
    if (kind === 'added') this._pending.set(id, prev === 'removed' ? 'updated' : 'added');
    else if (kind === 'updated') this._pending.set(id, prev === 'added' ? 'added' : 'updated');
    else if (prev === 'added') this._pending.delete(id);
    else this._pending.set(id, 'removed');
  }

  private _endBatch(): void {
    if (this.isDisposed) return;
    this._enforceRetention();
    if (this._pending.size === 0) return;
    const added: Alert[] = [];
    const updated: Alert[] = [];
    const removed: string[] = [];
    for (const [id, kind] of this._pending) {
      const a = this._entries.get(id)?.alert;
      if (kind === 'removed' || !a) removed.push(id);
      else (kind === 'added' ? added : updated).push(a);
    }
    this._pending.clear();
    const snapshot = this._snapshotBatch;
    this._snapshotBatch = false;
    this._counts = undefined;
    this._sorted = undefined;
    this._version++;
    this._onDidChange.fire(snapshot ? { added, updated, removed, snapshot } : { added, updated, removed });
  }

  private _enforceRetention(): void {
    const drop = (id: string): void => {
      const e = this._entries.get(id);
      if (e) this._remove(e);
      else this._resolved.delete(id);
    };
    while (this._resolved.size > this._maxResolved) {
      const first = this._resolved.keys().next();
      if (first.done) break;
      drop(first.value);
    }
    const now = this._clock.now();
    // Walks from the front and stops at the first unexpired one: the order is by resolvedAt for
    // snapshots and by arrival for live events, which agree unless a source reports very late.
    for (const [id, ms] of this._resolved) {
      if (now - ms < this._maxResolvedAgeMs) break;
      drop(id);
    }
    this._scheduleAgeSweep();
  }

  private _scheduleAgeSweep(): void {
    const first = this._resolved.values().next();
    if (first.done || !Number.isFinite(this._maxResolvedAgeMs)) {
      this._ageTimer?.dispose();
      this._ageTimer = undefined;
      return;
    }
    const due = first.value + this._maxResolvedAgeMs;
    if (this._ageTimer && this._ageTimerAt === due) return;
    this._ageTimer?.dispose();
    this._ageTimerAt = due;
    this._ageTimer = this._clock.setTimeout(() => {
      this._ageTimer = undefined;
      this.batch(() => undefined); // an empty batch runs retention and reports what it removed
    }, Math.max(0, due - this._clock.now()));
  }
}

/** Severity, then newest first (see ordering.ts's sort key), for triggered alerts. */
function triggeredKeyOf(e: AlertEntry): number {
  // Not snoozed: its display key is exactly that (status slot 0).
  return e.alert.snoozedUntil === undefined ? e.key : severityAgeKey(e.alert.severity, e.startedMs);
}

function lessThan(key: number, e: AlertEntry, other: { entry: AlertEntry; key: number }): boolean {
  return key < other.key || (key === other.key && e.alert.id < other.entry.alert.id);
}

function sanitizeLimit(value: number | undefined, fallback: number): number {
  if (value === undefined || Number.isNaN(value)) return fallback;
  return Math.max(0, value);
}
