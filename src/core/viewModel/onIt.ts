/**
 * Issue 21 item 5, "I'm on it": one action acknowledges an alert and, while the user keeps editing the files of its
 * stack trace, keeps it from escalating; it lapses by itself when they go idle. This is the pure decision, on an
 * injected clock: what to do now (renew the snooze, acknowledge again, post a "still investigating" note, lapse)
 * and when to look again. The host (`host/loop/imOnIt.ts`) sends the requests and shows the state.
 *
 * How the alert is kept from escalating depends on what the source offers:
 * - with `snooze`: the alert is snoozed for a short while (`holdMs`) and the snooze is renewed before it ends while
 *   the user is active. When they go idle nothing is renewed and the snooze runs out by itself: the alert pages
 *   again at most `holdMs` after the lapse, even if the editor is closed — the hold never outlives the user.
 * - with `ack` only: it is acknowledged, and acknowledged again whenever it returns to `triggered` (the source's
 *   acknowledgement timeout, or someone unacknowledged it). On a lapse it stays acknowledged in the source: the host
 *   says so and offers to unacknowledge (no false comfort).
 */

export const ON_IT_LIMITS = {
  /** A renewal is sent this long before the snooze ends (or before `nextEscalationAt`). */
  renewLeadMs: 2 * 60_000,
  /** A "still investigating" note at most this often, whatever the policy says. */
  minNoteIntervalMs: 5 * 60_000,
  /** Used when the alert's escalation interval is unknown (no policy tier for its level). */
  defaultNoteIntervalMs: 30 * 60_000,
  /** A failed request is retried after this long (not on every tick). */
  retryMs: 30_000,
} as const;

export interface OnItCaps {
  ack: boolean;
  snooze: boolean;
  note: boolean;
}

/** What the decision needs to know of the alert (from the store; times as epoch ms). */
export interface OnItAlert {
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Epoch ms; undefined when not snoozed (or the time did not parse). */
  snoozedUntil?: number;
  nextEscalationAt?: number;
}

export interface OnItState {
  alertId: string;
  startedAt: number;
  /** The last edit of a file of the alert's stack (or the start, or "I'm still on it"). */
  lastActivityAt: number;
  /** Idle this long → lapse. */
  idleMs: number;
  /** How long one snooze holds the alert (the host uses the idle time: the hold ends soon after a lapse). */
  holdMs: number;
  /** The last "still investigating" note (the start counts: the first note comes one interval later). */
  lastNoteAt: number;
  /** The source's escalation interval for this alert (its policy tier's delay), if known. */
  escalationIntervalMs?: number;
  /** Set after a request failed: nothing is re-sent before this time. */
  backoffUntil?: number;
}

export type OnItAction = { kind: 'ack' } | { kind: 'snooze'; until: number } | { kind: 'note' };
export type OnItEnd = 'idle' | 'resolved' | 'gone' | 'unsupported';

export type OnItDecision =
  | { kind: 'end'; why: OnItEnd; /** For `idle`: when the last snooze runs out (the alert pages again then). */ holdEndsAt?: number }
  | { kind: 'keep'; actions: OnItAction[]; /** When to decide again at the latest (epoch ms, > now). */ nextCheckAt: number; lapsesAt: number };

/** When the hold lapses if there is no further activity. */
export function lapsesAt(s: Pick<OnItState, 'lastActivityAt' | 'idleMs'>): number {
  return s.lastActivityAt + s.idleMs;
}

/** The note interval: the source's escalation interval, at least `minNoteIntervalMs`; the default when unknown. */
export function noteIntervalMs(s: Pick<OnItState, 'escalationIntervalMs'>): number {
  const i = s.escalationIntervalMs;
  return i !== undefined && Number.isFinite(i) && i > 0 ? Math.max(ON_IT_LIMITS.minNoteIntervalMs, i) : ON_IT_LIMITS.defaultNoteIntervalMs;
}

/**
 * What to do at `now`. Idle is checked first: at exactly `lastActivityAt + idleMs` the hold has lapsed (nothing is
 * renewed at that instant). A resolved or vanished alert ends it; a source with neither snooze nor ack ends it as
 * unsupported.
 */
export function decideOnIt(s: OnItState, alert: OnItAlert | undefined, caps: OnItCaps, now: number): OnItDecision {
  if (!alert) return { kind: 'end', why: 'gone' };
  if (alert.status === 'resolved') return { kind: 'end', why: 'resolved' };
  if (!caps.snooze && !caps.ack) return { kind: 'end', why: 'unsupported' };
  const lapse = lapsesAt(s);
  if (now >= lapse) {
    const out: OnItDecision = { kind: 'end', why: 'idle' };
    if (alert.snoozedUntil !== undefined && alert.snoozedUntil > now) out.holdEndsAt = alert.snoozedUntil;
    return out;
  }
  const lead = ON_IT_LIMITS.renewLeadMs;
  const actions: OnItAction[] = [];
  const checks: number[] = [lapse];
  const backingOff = s.backoffUntil !== undefined && now < s.backoffUntil;
  if (backingOff) checks.push(s.backoffUntil!);
  // Keep it from paging: snooze (renewed before it ends), else acknowledge whenever it is triggered.
  const until = now + Math.max(s.holdMs, lead * 2);
  if (caps.snooze) {
    // A snooze inside its lead time, or already over (the source's "triggered again" may not have arrived yet).
    const ending = alert.snoozedUntil !== undefined && alert.snoozedUntil - now <= lead;
    if (alert.status === 'triggered' || ending) {
      if (!backingOff) {
        actions.push({ kind: 'snooze', until });
        checks.push(until - lead); // the renewal of this one
      }
    } else if (alert.snoozedUntil !== undefined) checks.push(alert.snoozedUntil - lead);
    // Acknowledged without a snooze (someone acknowledged it, or the source ended the snooze on an ack): it does
    // not page while acknowledged, so there is nothing to renew; a return to triggered is seen on the next change.
  } else if (alert.status === 'triggered') {
    if (!backingOff) actions.push({ kind: 'ack' });
  }
  if (alert.status === 'triggered' && alert.nextEscalationAt !== undefined && actions.length === 0) checks.push(alert.nextEscalationAt - lead);
  if (caps.note) {
    const due = s.lastNoteAt + noteIntervalMs(s);
    if (now >= due) {
      if (!backingOff) actions.push({ kind: 'note' });
    } else checks.push(due);
  }
  const next = Math.min(...checks.filter((t) => t > now));
  return { kind: 'keep', actions, nextCheckAt: Number.isFinite(next) ? next : now + lead, lapsesAt: lapse };
}

/** The short note posted at the escalation interval ("still investigating", and which files are being edited). */
export function stillInvestigatingNote(files: readonly string[], minutesOnIt: number): string {
  const names = files.slice(0, 3).map((f) => f.split('/').pop() ?? f).join(', ');
  const more = files.length > 3 ? ` and ${files.length - 3} more` : '';
  const on = minutesOnIt >= 1 ? ` (on it for ${Math.floor(minutesOnIt)} min)` : '';
  return `Still investigating in the editor${names ? `: editing ${names}${more}` : ''}${on}.`.slice(0, 500);
}
