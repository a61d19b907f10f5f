import type { Person } from '../protocol/types';

/**
 * Who an on-call calendar event is about. Exporters put the person in different places:
 * - PagerDuty:   SUMMARY "On Call - Alice Smith - Primary Schedule" (schedule name last), plus ATTENDEE mailto.
 * - Opsgenie:    SUMMARY "Alice Smith (Primary_schedule)" or "Alice Smith is on call".
 * - Hand-made Google/Outlook calendars: "On call: Alice", "Alice on call", "Alice (on-call)", or just "Alice".
 * An ATTENDEE (with CN and mailto) is the most reliable source; the SUMMARY is the fallback.
 */

export interface SummaryInfo {
  name: string;
  email?: string;
  /** Schedule name when the summary carries one (PagerDuty form). */
  schedule?: string;
}

const DASH = '[-–—]';
const ON_CALL = 'on[\\s-]?call';
const PAGERDUTY = new RegExp(`^${ON_CALL}\\s*${DASH}\\s*(.+?)\\s+${DASH}\\s+(.+)$`, 'i');
const PREFIX = new RegExp(`^${ON_CALL}\\s*(?:[:\\-–—]|for\\b)\\s*(.+)$`, 'i');
const SUFFIX = new RegExp(`^(.+?)\\s*(?:\\bis\\s+${ON_CALL}|\\(\\s*${ON_CALL}\\s*\\)|${DASH}\\s*${ON_CALL}|\\b${ON_CALL})$`, 'i');
const PARENS = /^([^()]+?)\s*\(([^()]+)\)$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function clean(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

function withEmail(name: string, schedule?: string): SummaryInfo {
  const n = clean(name);
  const info: SummaryInfo = { name: n };
  const bracketed = /^(.*?)\s*<([^<>]+@[^<>]+)>$/.exec(n);
  if (bracketed?.[2] && EMAIL.test(bracketed[2])) {
    info.email = bracketed[2];
    info.name = clean(bracketed[1] ?? '') || bracketed[2];
  } else if (EMAIL.test(n)) {
    info.email = n;
  }
  if (schedule) info.schedule = clean(schedule);
  return info;
}

/** Extracts the on-call person (and schedule, when present) from an event SUMMARY. */
export function parseOnCallSummary(summary: string): SummaryInfo {
  const s = clean(summary);
  let m = PAGERDUTY.exec(s);
  if (m?.[1] && m[2]) return withEmail(m[1], m[2]);
  m = PREFIX.exec(s);
  if (m?.[1]) {
    // "On Call - Alice" without a schedule part lands here too.
    return withEmail(m[1]);
  }
  m = SUFFIX.exec(s);
  if (m?.[1]) return withEmail(m[1]);
  m = PARENS.exec(s);
  if (m?.[1] && m[2]) return withEmail(m[1], m[2]);
  return withEmail(s);
}

export interface AttendeeInfo {
  name?: string;
  email?: string;
}

/** "mailto:alice@example.com" + CN → attendee; undefined when it carries neither. */
export function parseAttendee(value: string, cn: string | undefined): AttendeeInfo | undefined {
  const email = /^mailto:(.+)$/i.exec(value.trim())?.[1]?.trim();
  const info: AttendeeInfo = {};
  if (email && EMAIL.test(email)) info.email = email;
  const name = cn ? clean(cn.replace(/^"|"$/g, '')) : '';
  if (name) info.name = name;
  return info.email || info.name ? info : undefined;
}

/**
 * Combines SUMMARY and ATTENDEEs into a Person. With several attendees (team calendars often invite
 * the whole team) the one whose name/email matches the summary wins; a lone attendee is taken as is.
 */
export function personFromEvent(summary: string | undefined, attendees: AttendeeInfo[]): Person | undefined {
  const fromSummary = summary && clean(summary) ? parseOnCallSummary(summary) : undefined;
  const lower = (x: string | undefined): string | undefined => x?.toLowerCase();
  let chosen: AttendeeInfo | undefined;
  if (fromSummary) {
    chosen = attendees.find(
      (a) =>
        (a.name !== undefined && lower(a.name) === lower(fromSummary.name)) ||
        (a.email !== undefined && (lower(a.email) === lower(fromSummary.email) || lower(a.email) === lower(fromSummary.name))),
    );
  }
  if (!chosen && attendees.length === 1) chosen = attendees[0];
  if (chosen) {
    const name = chosen.name ?? (fromSummary && !fromSummary.email ? fromSummary.name : undefined) ?? chosen.email ?? '?';
    const p: Person = { name };
    const email = chosen.email ?? fromSummary?.email;
    if (email) p.email = email;
    return p;
  }
  if (!fromSummary) return undefined;
  const p: Person = { name: fromSummary.name };
  if (fromSummary.email) p.email = fromSummary.email;
  return p;
}
