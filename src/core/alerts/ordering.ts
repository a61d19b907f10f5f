/**
 * Ordering rules for alert lists, shared by every grouping:
 * triggered, then acknowledged, then snoozed (an acknowledged alert with `snoozedUntil`: it asked to be left alone
 * until then, so it sorts below the ones someone is working on), then resolved; within a status critical > high >
 * warning > info;
 * then newest first (by startedAt); then id, so the order is total and stable across refreshes.
 * Severity sits before age because a two-hour-old critical matters more than a fresh info alert.
 */
import { ALERT_STATUSES, SEVERITIES, type Alert, type AlertStatus, type Severity } from '../protocol/types';

export type GroupBy = 'service' | 'severity' | 'status';
export const GROUP_BYS: readonly GroupBy[] = ['service', 'severity', 'status'];

export const STATUS_RANK: Readonly<Record<AlertStatus, number>> = { triggered: 0, acknowledged: 1, resolved: 2 };
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, warning: 2, info: 3 };

/** An alert with its sort keys parsed once (Date.parse in a comparator over 100k alerts is slow). */
export interface AlertEntry {
  alert: Alert;
  startedMs: number;
  updatedMs: number;
  /**
   * Status rank, severity and age folded into one number (see `sortKeyOf`): most comparisons of a sort or of a
   * top-n selection over 100k alerts end at one subtraction; only equal keys compare ids.
   */
  key: number;
}

/** 2^42 ms is past the year 2100; start times are clamped into [0, 2^42). */
const AGE_SPAN = 2 ** 42;
const RANK_SLOT: Readonly<Record<number, number>> = { 0: 0, 1: 1, 1.5: 2, 2: 3 };

/**
 * The display order as a number (smaller first): (status rank slot · 4 + severity) · 2^42 + (2^42 − 1 − startedMs).
 * At most 2^46, an exact integer in a double. A start time that does not parse sorts as the oldest.
 */
export function sortKeyOf(alert: Alert, startedMs: number): number {
  const bucket = RANK_SLOT[rankOf(alert)]! * 4 + SEVERITY_RANK[alert.severity];
  const t = Number.isFinite(startedMs) ? Math.min(AGE_SPAN - 1, Math.max(0, Math.floor(startedMs))) : 0;
  return bucket * AGE_SPAN + (AGE_SPAN - 1 - t);
}

/**
 * The sort key of a triggered, not snoozed alert (status slot 0): severity, then newest first. The status bar's
 * "N firing" list ranks every triggered alert this way.
 */
export function severityAgeKey(severity: Severity, startedMs: number): number {
  const t = Number.isFinite(startedMs) ? Math.min(AGE_SPAN - 1, Math.max(0, Math.floor(startedMs))) : 0;
  return SEVERITY_RANK[severity] * AGE_SPAN + (AGE_SPAN - 1 - t);
}

export function toEntry(alert: Alert): AlertEntry {
  const startedMs = Date.parse(alert.startedAt);
  return { alert, startedMs, updatedMs: Date.parse(alert.updatedAt), key: sortKeyOf(alert, startedMs) };
}

/** Status rank with snoozed between acknowledged and resolved. The source clears `snoozedUntil` when it wakes up. */
export function rankOf(alert: Alert): number {
  const r = STATUS_RANK[alert.status];
  return alert.snoozedUntil !== undefined && alert.status !== 'resolved' ? STATUS_RANK.acknowledged + 0.5 : r;
}

export function compareEntries(a: AlertEntry, b: AlertEntry): number {
  return a.key - b.key || (a.alert.id < b.alert.id ? -1 : a.alert.id > b.alert.id ? 1 : 0);
}

export function groupKeyOf(alert: Alert, by: GroupBy): string {
  switch (by) {
    case 'service':
      return alert.service;
    case 'severity':
      return alert.severity;
    case 'status':
      return alert.status;
  }
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function groupLabel(key: string, by: GroupBy): string {
  if (by === 'service') return key || '(no service)';
  return capitalize(key);
}

/** Groups in display order: severities and statuses in their rank order, services alphabetically. */
export function compareGroupKeys(by: GroupBy, a: string, b: string): number {
  if (by === 'severity') return SEVERITIES.indexOf(a as Severity) - SEVERITIES.indexOf(b as Severity);
  if (by === 'status') return ALERT_STATUSES.indexOf(a as AlertStatus) - ALERT_STATUSES.indexOf(b as AlertStatus);
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
