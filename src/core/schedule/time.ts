import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';

/**
 * Time-zone primitives shared by the schedule and the deploy guard. Everything is an epoch-ms instant
 * plus an explicit IANA zone: nothing here reads the machine's local zone, so results are the same on
 * every developer's laptop and in CI.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const zoneCache = new Map<string, boolean>();

/** True when `zone` is an IANA zone (or "UTC") the runtime's Intl data knows. */
export function isValidTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return false;
  const cached = zoneCache.get(zone);
  if (cached !== undefined) return cached;
  let ok: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    ok = true;
  } catch {
    ok = false;
  }
  zoneCache.set(zone, ok);
  return ok;
}

/** Wall-clock fields of an instant in a zone. `month` is 1-based; `weekday` 0 = Sunday. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export function localParts(t: number, zone: string): LocalParts {
  const d = new TZDate(t, zone);
  return {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    weekday: d.getDay(),
  };
}

/**
 * The instant a wall-clock time in `zone` denotes. Times skipped by a spring-forward resolve forward
 * (02:30 on the Berlin spring-forward night → 03:30); ambiguous fall-back times resolve to the later
 * (standard-time) instant. That is what @date-fns/tz does, and for hand-offs it is the sane choice.
 */
export function wallToEpoch(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  return new TZDate(year, month - 1, day, hour, minute, second, zone).getTime();
}

/** Calendar arithmetic on a date (no zone): adds `days` to Y-M-D. */
export function addCalendarDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Start of the local calendar day containing `t` in `zone`. */
export function startOfLocalDay(t: number, zone: string): number {
  const p = localParts(t, zone);
  return wallToEpoch(zone, p.year, p.month, p.day);
}

/** Formats an instant in a zone with a date-fns pattern (e.g. "EEE HH:mm" → "Mon 09:00"). */
export function formatInZone(t: number, zone: string, pattern: string): string {
  return format(new TZDate(t, zone), pattern);
}

export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** "Fri", "friday", "FRI." → 5; undefined when not a weekday name. */
export function parseWeekday(text: string): number | undefined {
  const s = text.trim().toLowerCase().replace(/\.$/, '');
  if (s.length < 2) return undefined;
  const i = WEEKDAY_NAMES.findIndex((n) => n === s || (s.length >= 3 && n.startsWith(s)));
  return i >= 0 ? i : undefined;
}

/** "HH:MM" (24 h) → minutes after midnight; "24:00" is allowed as end of day. */
export function parseHhMm(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}

export function formatHhMm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** Parses an ISO-8601 instant that carries an explicit offset or Z; undefined otherwise. */
export function parseIsoInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return undefined;
  const t = Date.parse(text.trim());
  return Number.isFinite(t) ? t : undefined;
}

/** "2026-12-24" → fields, validated as a real calendar date. */
export function parseIsoDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return { year, month, day };
}
