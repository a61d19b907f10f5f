/**
 * Pure text helpers shared by the Alerts tree, tooltips and the status bar. No `vscode`, no clock:
 * callers pass `now`, so the same alert renders the same text in tests and in the editor.
 */
import type { Alert, Person } from '../protocol/types';

export interface EscalationCountdown {
  /** Who gets paged next, e.g. "Bob" or "Bob and Carol"; undefined when the source names nobody. */
  targetName: string | undefined;
  /** Milliseconds until the escalation; 0 or negative when it is due. */
  msLeft: number;
  /** e.g. "escalates to Bob in 2:14", "escalates in 1:02:03", "escalating now". */
  text: string;
}

/**
 * Countdown to the next escalation tier of an unacknowledged alert. Undefined when the alert is
 * acknowledged or resolved (nobody will be paged) or the source gave no `nextEscalationAt`.
 */
export function escalationCountdown(alert: Alert, now: number): EscalationCountdown | undefined {
  if (alert.status !== 'triggered') return undefined;
  const at = alert.escalation?.nextEscalationAt;
  if (at === undefined) return undefined;
  const due = Date.parse(at);
  if (Number.isNaN(due)) return undefined;
  const msLeft = due - now;
  const targetName = targetNames(alert.escalation?.targets ?? []);
  if (msLeft <= 0) return { targetName, msLeft, text: 'escalating now' };
  const to = targetName ? ` to ${targetName}` : '';
  return { targetName, msLeft, text: `escalates${to} in ${formatCountdownCoarse(msLeft)}` };
}

/** Just the text of `escalationCountdown`, for tree rows and tooltips. */
export function escalationText(alert: Alert, now: number): string | undefined {
  return escalationCountdown(alert, now)?.text;
}

/**
 * m:ss under an hour, h:mm:ss above. Rounds up, so the display reaches 0:01 (not 0:00) in the last
 * second and "escalating now" exactly when the tier fires.
 */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds matter only in the last two minutes: beyond that the text changes once a minute, not every second. */
export const SECONDS_COUNTDOWN_MS = 120_000;

/**
 * "1:59" within the last two minutes; "14 min", "1 h 3 min" beyond (rounded up, so it never promises more time
 * than is left). A row whose text changes once a minute keeps its tooltip open on hover.
 */
export function formatCountdownCoarse(ms: number): string {
  if (ms <= SECONDS_COUNTDOWN_MS) return formatCountdown(ms);
  const min = Math.ceil(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Compact age: '45s', '3m', '2h 5m', '2h', '4d'. Negative or invalid input (clock skew) reads '0s'. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0s';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

function targetNames(targets: readonly Person[]): string | undefined {
  const names = targets.map((p) => p.name).filter((n) => n.length > 0);
  if (names.length === 0) return undefined;
  if (names.length === 1) return names[0];
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  return `${names[0]} +${names.length - 1}`;
}

/**
 * The title without a leading copy of the service ("billing-worker: 7 charges failed" under billing-worker reads
 * "7 charges failed"): notifications and the Alerts tree show the service beside it already.
 */
export function titleWithoutService(title: string, service: string): string {
  const svc = service.trim();
  if (!svc) return title;
  const t = title.trimStart();
  if (t.length > svc.length && t.slice(0, svc.length).toLowerCase() === svc.toLowerCase()) {
    const rest = t.slice(svc.length).replace(/^\s*[:\-–—|]\s*/, '');
    // Only a real separator: "api: down" → "down", never "apiserver down" → "server down".
    if (rest !== t.slice(svc.length) && rest.length > 0) return rest;
  }
  return title;
}
