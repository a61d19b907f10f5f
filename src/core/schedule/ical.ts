import ICAL from 'ical.js';
import type { Person, Rotation, Shift } from '../protocol/types';
import { type AttendeeInfo, parseAttendee, parseOnCallSummary, personFromEvent } from './icalPerson';
import { createZoneResolver, type ZoneResolver } from './icalZones';
import { DAY_MS } from './time';
import { errorText } from '../util/errors';

/**
 * iCal (RFC 5545) on-call feeds → a protocol Rotation. ical.js parses and expands RRULE/RDATE/EXDATE;
 * converting wall-clock times to instants, RECURRENCE-ID overrides and the person are handled here so
 * that nothing depends on ical.js's process-global timezone registry (feeds must not affect each other).
 */

/**
 * `badRule`: a recurrence rule that can never occur (ical.js would loop for ever on it).
 * `tooComplex`: the feed needs more recurrence steps than the global budget allows. `timeout` and `crashed`
 * come from {@link parseICalFeedInWorker} (icalIsolated.ts): the parse ran past its wall-clock limit or its
 * memory limit and the worker was stopped.
 */
export type ICalFeedErrorCode = 'empty' | 'tooLarge' | 'syntax' | 'notCalendar' | 'invalidOptions' | 'badRule' | 'tooComplex' | 'timeout' | 'crashed';

export interface ICalFeedError {
  kind: 'ICalFeedError';
  code: ICalFeedErrorCode;
  message: string;
}

export interface ICalFeedOptions {
  rotationId?: string;
  rotationName?: string;
  role?: string;
  pair?: string;
  /** Expansion is anchored here (epoch ms). */
  now: number;
  /** Occurrences starting later than now + horizonDays are not expanded (1..366). */
  horizonDays: number;
  /** Shifts that ended more than this long before `now` are dropped. Default 1. */
  lookbackDays?: number;
  /** Zone for floating times and all-day events when the feed has no X-WR-TIMEZONE. Default UTC. */
  timeZone?: string;
  /** Cap on shifts returned. Default 2000. */
  maxOccurrences?: number;
  /** Cap on recurrence steps per event, including those before the window. Default 20000. */
  maxIterationsPerEvent?: number;
  /**
   * Cap on recurrence steps across all events of the feed (default 100,000, about 1 s of work): a feed of many
   * SECONDLY events would otherwise take minutes. Past it the feed fails with `tooComplex` rather than
   * showing a schedule with arbitrary holes.
   */
  maxTotalIterations?: number;
  /** Cap on input size in characters. Default 5 MB. */
  maxChars?: number;
}

export type ICalParseResult =
  | { ok: true; rotation: Rotation; warnings: string[]; truncated: boolean }
  | { ok: false; error: ICalFeedError };

const fail = (code: ICalFeedErrorCode, message: string): ICalParseResult => ({
  ok: false,
  error: { kind: 'ICalFeedError', code, message },
});

interface Occurrence {
  start: number;
  end: number;
  person: Person;
}

/** Nominal length of an event in wall-clock seconds (so a 09:00→09:00 hand-off stays at 09:00 across DST). */
type Length = { kind: 'wall'; seconds: number } | { kind: 'exact'; ms: number };

const wallSeconds = (t: ICAL.Time): number => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;

export function parseICalFeed(text: string, options: ICalFeedOptions): ICalParseResult {
  try {
    return parseUnsafe(text, options);
  } catch (e) {
    // ical.js throws on malformed input at many depths; the API promise is a typed error, never a throw.
    return fail('syntax', `Could not read the iCal feed: ${errorText(e)}`);
  }
}

function parseUnsafe(text: string, options: ICalFeedOptions): ICalParseResult {
  const maxChars = options.maxChars ?? 5_000_000;
  if (typeof text !== 'string' || text.trim().length === 0) return fail('empty', 'The iCal feed is empty.');
  if (text.length > maxChars) return fail('tooLarge', `The iCal feed is larger than ${maxChars} characters.`);
  if (!Number.isFinite(options.now)) return fail('invalidOptions', '`now` must be an epoch-ms number.');
  if (!(options.horizonDays >= 1 && options.horizonDays <= 366)) {
    return fail('invalidOptions', '`horizonDays` must be between 1 and 366.');
  }
  if (!/BEGIN:VCALENDAR/i.test(text)) return fail('notCalendar', 'Not an iCal feed: no BEGIN:VCALENDAR (is the URL a login page?).');

  const jcal: unknown = ICAL.parse(text);
  // Several VCALENDARs in one file parse to an array of components; on-call feeds have one.
  const first = Array.isArray(jcal) && Array.isArray(jcal[0]) ? (jcal[0] as unknown[]) : (jcal as unknown[]);
  const root = new ICAL.Component(first as never);
  if (root.name !== 'vcalendar') return fail('notCalendar', `Not an iCal feed: top-level component is ${root.name}.`);

  const warnings: string[] = [];
  const calName = str(root.getFirstPropertyValue('x-wr-calname'));
  const calZone = str(root.getFirstPropertyValue('x-wr-timezone'));
  // VTIMEZONE rules are expanded by ical.js's same iterator (on the first time converted in that zone).
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    for (const part of vtz.getAllSubcomponents()) {
      const impossible = impossibleRule(part);
      if (impossible) return fail('badRule', `Time zone ${displayTzid(vtz)} has a rule that can never occur (${impossible}); fix or remove it.`);
    }
  }
  const zones = createZoneResolver(root.getAllSubcomponents('vtimezone'), warnings);
  const defaultZone = zones.iana(calZone) ?? zones.iana(options.timeZone) ?? 'UTC';

  const windowStart = options.now - (options.lookbackDays ?? 1) * DAY_MS;
  const windowEnd = options.now + options.horizonDays * DAY_MS;
  const maxOcc = options.maxOccurrences ?? 2000;
  const maxIter = options.maxIterationsPerEvent ?? 20_000;
  const maxTotal = options.maxTotalIterations ?? 100_000;
  let budget = maxTotal;
  const ctx: EventContext = { zones, defaultZone, warnings };

  const events = root.getAllSubcomponents('vevent');
  const masters: ICAL.Component[] = [];
  const overriddenIds = new Map<string, Set<number>>();
  const occurrences: Occurrence[] = [];
  let truncated = false;
  let scheduleName: string | undefined;
  let firstZone: string | undefined;

  for (const ev of events) {
    const summary = str(ev.getFirstPropertyValue('summary'));
    if (summary && !scheduleName) scheduleName = parseOnCallSummary(summary).schedule;
    const rid = ev.getFirstProperty('recurrence-id');
    if (!rid) {
      masters.push(ev);
      continue;
    }
    // A RECURRENCE-ID event replaces one occurrence of its master; it is emitted on its own below.
    const uid = str(ev.getFirstPropertyValue('uid')) ?? '';
    const at = ctx.zones.toEpoch(rid.getFirstValue() as ICAL.Time, tzidOf(rid), defaultZone);
    if (at !== undefined) {
      let set = overriddenIds.get(uid);
      if (!set) overriddenIds.set(uid, (set = new Set()));
      set.add(at);
    }
    if (!isCancelled(ev)) {
      const one = singleOccurrence(ev, ctx);
      if (one && one.end > windowStart && one.start < windowEnd) occurrences.push(one);
    }
  }

  for (const ev of masters) {
    if (isCancelled(ev)) continue;
    const dtstart = ev.getFirstProperty('dtstart');
    if (!dtstart) {
      warnings.push(`Skipped an event without DTSTART (${str(ev.getFirstPropertyValue('uid')) ?? 'no UID'}).`);
      continue;
    }
    firstZone ??= zones.iana(tzidOf(dtstart));
    // exceptions: [] — without it ical.js relates every VEVENT of the calendar to each event (O(n²): an
    // 8,000-event export took 11 s); RECURRENCE-ID overrides are handled here instead (overriddenIds).
    const event = new ICAL.Event(ev, { exceptions: [] });
    if (!event.isRecurring()) {
      const one = singleOccurrence(ev, ctx);
      if (one && one.end > windowStart && one.start < windowEnd) occurrences.push(one);
      continue;
    }
    const impossible = impossibleRule(ev);
    if (impossible) {
      // ical.js 2.2's iterator never returns for such a rule (kewisch/ical.js#1038). Dropping the feed, not
      // just the event, so that nobody reads a schedule with a rotation silently missing.
      const uid = displayUid(ev);
      return fail('badRule', `Event ${uid} has a recurrence rule that can never occur (${impossible}); fix or remove that event.`);
    }
    const shape = eventShape(ev, ctx);
    if (!shape) continue;
    const skip = overriddenIds.get(str(ev.getFirstPropertyValue('uid')) ?? '') ?? new Set<number>();
    for (const ex of exdates(ev, ctx)) skip.add(ex);
    const it = event.iterator();
    for (let i = 0; ; i++) {
      if (i >= maxIter) {
        warnings.push(`Stopped expanding "${shape.person.name}" after ${maxIter} recurrences.`);
        truncated = true;
        break;
      }
      if (--budget < 0) {
        return fail('tooComplex', `The iCal feed's recurrence rules need more than ${maxTotal} steps to expand (limit); simplify the feed or split it.`);
      }
      const next = it.next();
      if (!next) break;
      const start = zones.toEpoch(next, shape.tzid, defaultZone);
      if (start === undefined) break;
      if (start >= windowEnd) break;
      if (skip.has(start)) continue;
      const end = endOf(next, start, shape.length, shape.tzid, ctx);
      if (end > windowStart && end > start) occurrences.push({ start, end, person: shape.person });
    }
  }

  occurrences.sort((a, b) => a.start - b.start || a.end - b.end);
  if (occurrences.length > maxOcc) {
    occurrences.length = maxOcc;
    truncated = true;
    warnings.push(`Kept the first ${maxOcc} shifts of the feed.`);
  }

  const name = options.rotationName ?? calName ?? scheduleName ?? 'Calendar';
  const rotation: Rotation = {
    id: options.rotationId ?? `ical:${slug(name)}`,
    name,
    shifts: occurrences.map((o): Shift => ({ person: o.person, start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString() })),
  };
  if (options.role) rotation.role = options.role;
  if (options.pair) rotation.pair = options.pair;
  const rotationZone = zones.iana(calZone) ?? firstZone ?? zones.iana(options.timeZone);
  if (rotationZone) rotation.timeZone = rotationZone;
  return { ok: true, rotation, warnings, truncated };
}

interface EventContext {
  zones: ZoneResolver;
  defaultZone: string;
  warnings: string[];
}

interface EventShape {
  tzid: string | undefined;
  length: Length;
  person: Person;
}

function eventShape(ev: ICAL.Component, ctx: EventContext): EventShape | undefined {
  const uid = str(ev.getFirstPropertyValue('uid')) ?? 'no UID';
  const dtstart = ev.getFirstProperty('dtstart');
  const startTime = dtstart?.getFirstValue() as ICAL.Time | undefined;
  if (!dtstart || !startTime) return undefined;
  const tzid = tzidOf(dtstart);
  const person = personFromEvent(str(ev.getFirstPropertyValue('summary')), attendees(ev));
  if (!person) {
    ctx.warnings.push(`Skipped event ${uid}: no SUMMARY or ATTENDEE says who is on call.`);
    return undefined;
  }
  const dtend = ev.getFirstProperty('dtend');
  const duration = ev.getFirstPropertyValue('duration') as ICAL.Duration | null;
  let length: Length;
  if (dtend) {
    const endTime = dtend.getFirstValue() as ICAL.Time;
    const endTzid = tzidOf(dtend);
    const sameZone = (endTzid ?? '') === (tzid ?? '') && isUtc(endTime) === isUtc(startTime);
    if (sameZone) {
      length = { kind: 'wall', seconds: wallSeconds(endTime) - wallSeconds(startTime) };
    } else {
      const s = ctx.zones.toEpoch(startTime, tzid, ctx.defaultZone);
      const e = ctx.zones.toEpoch(endTime, endTzid, ctx.defaultZone);
      if (s === undefined || e === undefined) return undefined;
      length = { kind: 'exact', ms: e - s };
    }
  } else if (duration) {
    length = { kind: 'wall', seconds: duration.toSeconds() };
  } else if (startTime.isDate) {
    length = { kind: 'wall', seconds: 86_400 };
  } else {
    ctx.warnings.push(`Skipped event ${uid} (${person.name}): it has no end.`);
    return undefined;
  }
  if ((length.kind === 'wall' ? length.seconds : length.ms) <= 0) {
    ctx.warnings.push(`Skipped event ${uid} (${person.name}): it ends before it starts.`);
    return undefined;
  }
  return { tzid, length, person };
}

function singleOccurrence(ev: ICAL.Component, ctx: EventContext): Occurrence | undefined {
  const shape = eventShape(ev, ctx);
  const startTime = ev.getFirstPropertyValue('dtstart') as ICAL.Time | null;
  if (!shape || !startTime) return undefined;
  const start = ctx.zones.toEpoch(startTime, shape.tzid, ctx.defaultZone);
  if (start === undefined) return undefined;
  const end = endOf(startTime, start, shape.length, shape.tzid, ctx);
  return end > start ? { start, end, person: shape.person } : undefined;
}

/** End of an occurrence: wall-clock lengths are added to the local start and converted back in its zone. */
function endOf(startTime: ICAL.Time, start: number, length: Length, tzid: string | undefined, ctx: EventContext): number {
  if (length.kind === 'exact') return start + length.ms;
  const end = startTime.clone();
  end.addDuration(ICAL.Duration.fromSeconds(length.seconds));
  return ctx.zones.toEpoch(end, tzid, ctx.defaultZone) ?? start + length.seconds * 1000;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A cheap static check for RRULEs that can never match: BYMONTHDAY beyond every BYMONTH's length (Feb 30,
 * Apr 31, -30 in February). Returns why, or undefined. Rules this misses are still bounded by the worker's
 * wall-clock limit (icalIsolated.ts).
 */
export function impossibleRule(ev: ICAL.Component): string | undefined {
  for (const prop of ev.getAllProperties('rrule')) {
    const recur = prop.getFirstValue() as ICAL.Recur | null;
    const parts = (recur?.parts ?? {}) as Record<string, unknown>;
    const months = numbers(parts.BYMONTH);
    const days = numbers(parts.BYMONTHDAY);
    if (!months.length || !days.length) continue;
    const fits = months.some((m) => days.some((d) => d !== 0 && Math.abs(d) <= (MONTH_DAYS[m - 1] ?? 0)));
    if (!fits) return `BYMONTHDAY=${days.slice(0, 8).join(',')} never falls in BYMONTH=${months.slice(0, 12).join(',')}`;
  }
  return undefined;
}

function displayUid(ev: ICAL.Component): string {
  const uid = str(ev.getFirstPropertyValue('uid'));
  return uid ? `"${uid.replace(/[^\x20-\x7e]/g, '').slice(0, 80)}"` : '(no UID)';
}

function displayTzid(vtz: ICAL.Component): string {
  const id = str(vtz.getFirstPropertyValue('tzid'));
  return id ? `"${id.replace(/[^\x20-\x7e]/g, '').slice(0, 80)}"` : '(no TZID)';
}

function numbers(v: unknown): number[] {
  const a = Array.isArray(v) ? (v as unknown[]) : v === undefined ? [] : [v];
  return a.map(Number).filter((n) => Number.isInteger(n));
}

function exdates(ev: ICAL.Component, ctx: EventContext): number[] {
  const out: number[] = [];
  for (const prop of ev.getAllProperties('exdate')) {
    for (const v of prop.getValues() as ICAL.Time[]) {
      const t = ctx.zones.toEpoch(v, tzidOf(prop), ctx.defaultZone);
      if (t !== undefined) out.push(t);
    }
  }
  return out;
}

function attendees(ev: ICAL.Component): AttendeeInfo[] {
  const out: AttendeeInfo[] = [];
  for (const prop of ev.getAllProperties('attendee')) {
    const role = str(prop.getParameter('role'));
    if (role?.toUpperCase() === 'NON-PARTICIPANT') continue;
    const a = parseAttendee(str(prop.getFirstValue()) ?? '', str(prop.getParameter('cn')));
    if (a) out.push(a);
  }
  return out;
}

function isCancelled(ev: ICAL.Component): boolean {
  return str(ev.getFirstPropertyValue('status'))?.toUpperCase() === 'CANCELLED';
}

function tzidOf(prop: ICAL.Property): string | undefined {
  return str(prop.getParameter('tzid'));
}

function isUtc(t: ICAL.Time): boolean {
  return t.zone?.tzid === 'UTC';
}

function str(v: unknown): string | undefined {
  if (Array.isArray(v)) return str(v[0]);
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : undefined;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'calendar';
}
