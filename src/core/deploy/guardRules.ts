import { Cron } from 'croner';
import { addCalendarDays, DAY_MS, localParts, wallToEpoch } from '../schedule/time';
import type { EveningRule, FreezeRule, GuardRule, HolidayRule, Moment, OneOffRule, WeeklyRule } from './guardConfig';

/**
 * Turns guard rules into concrete [start, end) instants over a bounded range. Weekly windows, evenings
 * and holidays are wall-clock rules in the author's zone, so each occurrence is computed from local
 * fields (a "Fri 15:00" window starts at 15:00 local on both sides of a DST change).
 */

export interface RuleInterval {
  rule: GuardRule;
  start: number;
  end: number;
}

/** Hard cap on intervals generated per rule; reaching it makes the rest of the range count as covered. */
const MAX_INTERVALS_PER_RULE = 2000;
/** Longest range evaluated at once (the safer-time search needs ≤ 31 days plus margins). */
const MAX_RANGE_MS = 62 * DAY_MS;

export function ruleIntervals(rules: readonly GuardRule[], authorZone: string, from: number, to: number): RuleInterval[] {
  const end = Math.min(to, from + MAX_RANGE_MS);
  const out: RuleInterval[] = [];
  for (const rule of rules) {
    for (const [s, e] of intervalsOf(rule, authorZone, from, end)) {
      if (e > from && s < end) out.push({ rule, start: s, end: e });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

function intervalsOf(rule: GuardRule, zone: string, from: number, to: number): Array<[number, number]> {
  switch (rule.kind) {
    case 'weekly':
      return weekly(rule, zone, from, to);
    case 'evening':
      return evenings(rule, zone, from, to);
    case 'freeze':
      return freeze(rule, from, to);
    case 'oneOff':
      return oneOff(rule, zone);
    case 'holiday':
      return holiday(rule, zone);
  }
}

/** Calls fn for each local calendar day whose midnight lies within [from - 8 days, to]. */
function eachLocalDay(zone: string, from: number, to: number, fn: (y: number, m: number, d: number, weekday: number) => void): void {
  const p = localParts(from - 8 * DAY_MS, zone);
  let day = { year: p.year, month: p.month, day: p.day };
  // Bounded by the range length; the +10 covers the 8-day look-back and DST-shortened days.
  const maxDays = Math.ceil((to - from) / DAY_MS) + 10;
  for (let i = 0; i <= maxDays; i++) {
    const weekday = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();
    fn(day.year, day.month, day.day, weekday);
    day = addCalendarDays(day.year, day.month, day.day, 1);
  }
}

const at = (zone: string, d: { year: number; month: number; day: number }, minute: number): number =>
  wallToEpoch(zone, d.year, d.month, d.day, Math.floor(minute / 60), minute % 60);

function weekly(rule: WeeklyRule, zone: string, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let span = (rule.toDay - rule.fromDay + 7) % 7;
  if (span === 0 && rule.toMinute <= rule.fromMinute) span = 7;
  eachLocalDay(zone, from, to, (year, month, day, weekday) => {
    if (weekday !== rule.fromDay) return;
    const startDay = { year, month, day };
    out.push([at(zone, startDay, rule.fromMinute), at(zone, addCalendarDays(year, month, day, span), rule.toMinute)]);
  });
  return out;
}

function evenings(rule: EveningRule, zone: string, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  eachLocalDay(zone, from, to, (year, month, day, weekday) => {
    if (!rule.days.includes(weekday)) return;
    const d = { year, month, day };
    const endDay = rule.toMinute <= rule.fromMinute ? addCalendarDays(year, month, day, 1) : d;
    out.push([at(zone, d, rule.fromMinute), at(zone, endDay, rule.toMinute)]);
  });
  return out;
}

const cronCache = new Map<string, Cron>();
function cron(pattern: string, timeZone: string): Cron {
  const key = `${timeZone}\u0000${pattern}`;
  let c = cronCache.get(key);
  if (!c) {
    // No callback: the Cron object is only used to compute run times, it never schedules anything.
    c = new Cron(pattern, { timezone: timeZone });
    cronCache.set(key, c);
  }
  return c;
}

/**
 * GitLab-style freeze: active from the most recent start occurrence until the first end occurrence
 * after it. Starts falling inside an active freeze are absorbed (the freeze still ends at the same end).
 */
export function freeze(rule: FreezeRule, from: number, to: number): Array<[number, number]> {
  const startCron = cron(rule.start, rule.timeZone);
  const endCron = cron(rule.end, rule.timeZone);
  const out: Array<[number, number]> = [];
  // previousRuns is strictly before its reference: +1 ms makes a start exactly at `from` count.
  let s: number | undefined = startCron.previousRuns(1, new Date(from + 1))[0]?.getTime() ?? startCron.nextRun(new Date(from))?.getTime();
  while (s !== undefined && s < to) {
    if (out.length >= MAX_INTERVALS_PER_RULE) {
      out.push([s, to]);
      break;
    }
    const e = endCron.nextRun(new Date(s))?.getTime() ?? Number.POSITIVE_INFINITY;
    out.push([s, e]);
    if (!Number.isFinite(e)) break;
    // nextRun is strictly after its reference: -1 ms lets a start exactly at the end begin a new freeze.
    s = startCron.nextRun(new Date(e - 1))?.getTime();
  }
  return out;
}

export function resolveMoment(m: Moment, authorZone: string): number {
  if (m.kind === 'instant') return m.t;
  return at(m.timeZone ?? authorZone, m, m.minute);
}

function oneOff(rule: OneOffRule, zone: string): Array<[number, number]> {
  const s = resolveMoment(rule.start, zone);
  const e = resolveMoment(rule.end, zone);
  return e > s ? [[s, e]] : [];
}

function holiday(rule: HolidayRule, zone: string): Array<[number, number]> {
  const next = addCalendarDays(rule.year, rule.month, rule.day, 1);
  return [[wallToEpoch(zone, rule.year, rule.month, rule.day), wallToEpoch(zone, next.year, next.month, next.day)]];
}

/** Union of intervals as sorted, non-overlapping [start, end) pairs (touching intervals merge). */
export function mergeIntervals(list: ReadonlyArray<{ start: number; end: number }>): Array<[number, number]> {
  const sorted = [...list].sort((a, b) => a.start - b.start);
  const out: Array<[number, number]> = [];
  for (const { start, end } of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}
