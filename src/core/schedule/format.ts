import type { Identity } from './identity';
import type { Schedule } from './schedule';
import { DAY_MS, formatInZone, HOUR_MS, MINUTE_MS } from './time';

/**
 * UI strings for shift times. Decisions:
 * - Always absolute ("Mon 09:00") so a status-bar text stays true between refreshes.
 * - Within 6 days the weekday names the day unambiguously; further out the date is added ("Mon 13 Apr 09:00").
 * - Within 24 h a relative hint is appended ("(in 3 h)") because "Mon 09:00" late on Sunday makes
 *   people do arithmetic; pass `relative: false` to drop it (e.g. for logs).
 */
export interface FormatOptions {
  relative?: boolean;
}

/** "Mon 09:00", or "Mon 13 Apr 09:00" when 6+ days from `now`. */
export function formatShiftTime(t: number, zone: string, now: number): string {
  return formatInZone(t, zone, Math.abs(t - now) >= 6 * DAY_MS ? 'EEE d MMM HH:mm' : 'EEE HH:mm');
}

/** "in 45 min", "in 3 h", "in 3 h 20 min", "5 min ago". */
export function formatRelative(t: number, now: number): string {
  const diff = t - now;
  const abs = Math.abs(diff);
  let body: string;
  if (abs < MINUTE_MS) body = 'less than a minute';
  else if (abs < HOUR_MS) body = `${Math.round(abs / MINUTE_MS)} min`;
  else {
    const h = Math.floor(abs / HOUR_MS);
    const m = Math.round((abs - h * HOUR_MS) / MINUTE_MS);
    body = m === 0 || m === 60 ? `${m === 60 ? h + 1 : h} h` : `${h} h ${m} min`;
  }
  return diff >= 0 ? `in ${body}` : `${body} ago`;
}

function when(t: number, zone: string, now: number, opts: FormatOptions): string {
  const abs = formatShiftTime(t, zone, now);
  const rel = (opts.relative ?? true) && t > now && t - now < DAY_MS;
  return rel ? `${abs} (${formatRelative(t, now)})` : abs;
}

/** "On call until Mon 09:00" (end of back-to-back coverage). */
export function formatOnCallUntil(until: number, zone: string, now: number, opts: FormatOptions = {}): string {
  return `On call until ${when(until, zone, now, opts)}`;
}

/** "next shift Fri 17:00". */
export function formatNextShift(start: number, zone: string, now: number, opts: FormatOptions = {}): string {
  return `next shift ${when(start, zone, now, opts)}`;
}

export interface OnCallStatus {
  onCall: boolean;
  /** End of coverage when on call. */
  until?: number;
  /** Start of the next shift when not on call. */
  nextStart?: number;
  /** "On call until Mon 09:00", "Not on call · next shift Fri 17:00", "Not on call". */
  text: string;
}

/** The user's own status line at t, in `zone` (the user's zone). */
export function describeOnCallStatus(schedule: Schedule, identity: Identity, t: number, zone: string, opts: FormatOptions = {}): OnCallStatus {
  const current = schedule.currentShift(identity, t);
  if (current) return { onCall: true, until: current.coveredUntil, text: formatOnCallUntil(current.coveredUntil, zone, t, opts) };
  const next = schedule.nextShift(identity, t);
  if (next) return { onCall: false, nextStart: next.start, text: `Not on call · ${formatNextShift(next.start, zone, t, opts)}` };
  return { onCall: false, text: 'Not on call' };
}
