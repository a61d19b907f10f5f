import type { Alert } from '../protocol/types';
import { compareEntries, compareGroupKeys, groupKeyOf, groupLabel, type AlertEntry, type GroupBy } from './ordering';

export interface AlertGroup {
  /** Stable key: the service name, severity or status. */
  key: string;
  label: string;
  /** Sorted (see ordering.ts). The same array instance is returned until the group changes. */
  alerts: readonly Alert[];
  triggered: number;
  acknowledged: number;
  resolved: number;
}

/**
 * Membership of one grouping, kept up to date on every store mutation (O(1) each), with each group's
 * sorted list built lazily and cached until that group changes. At 1,000 events/s over 100k alerts
 * an update re-sorts only the group(s) it touched, not the whole store.
 */
export class GroupIndex {
  private readonly _members = new Map<string, Map<string, AlertEntry>>();
  private readonly _cache = new Map<string, AlertGroup>();
  private _list: readonly AlertGroup[] | undefined;

  constructor(readonly by: GroupBy) {}

  add(e: AlertEntry): void {
    const key = groupKeyOf(e.alert, this.by);
    let m = this._members.get(key);
    if (!m) this._members.set(key, (m = new Map<string, AlertEntry>()));
    m.set(e.alert.id, e);
    this._dirty(key);
  }

  remove(e: AlertEntry): void {
    const key = groupKeyOf(e.alert, this.by);
    const m = this._members.get(key);
    if (!m) return;
    m.delete(e.alert.id);
    if (m.size === 0) this._members.delete(key);
    this._dirty(key);
  }

  clear(): void {
    this._members.clear();
    this._cache.clear();
    this._list = undefined;
  }

  groups(): readonly AlertGroup[] {
    if (this._list) return this._list;
    const keys = [...this._members.keys()].sort((a, b) => compareGroupKeys(this.by, a, b));
    this._list = keys.map((k) => this._group(k));
    return this._list;
  }

  private _group(key: string): AlertGroup {
    const cached = this._cache.get(key);
    if (cached) return cached;
    const entries = [...(this._members.get(key)?.values() ?? [])].sort(compareEntries);
    const g: AlertGroup = { key, label: groupLabel(key, this.by), alerts: entries.map((e) => e.alert), triggered: 0, acknowledged: 0, resolved: 0 };
    for (const e of entries) g[e.alert.status]++;
    this._cache.set(key, g);
    return g;
  }

  private _dirty(key: string): void {
    this._cache.delete(key);
    this._list = undefined;
  }
}
