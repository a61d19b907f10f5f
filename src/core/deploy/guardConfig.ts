import { Cron } from 'croner';
import {
  formatHhMm,
  isValidTimeZone,
  parseHhMm,
  parseIsoDate,
  parseIsoInstant,
  parseWeekday,
  WEEKDAYS,
} from '../schedule/time';
import { errorText } from '../util/errors';

/**
 * Deploy guard settings: the raw shape the host reads from `oncall.deployGuard` (plain JSON), and the
 * validated, typed value the policy runs on. Validation is lenient per entry: a bad entry is dropped
 * with an error naming its path, the rest still guards (one typo must not switch the guard off).
 */

// ---- raw settings (what package.json declares) ----

export interface WeeklyWindowSetting {
  id?: string;
  label?: string;
  /** "Fri 15:00" (weekday + 24 h time, in the author's zone). */
  from: string;
  /** "Mon 08:00". */
  to: string;
}

export interface EveningsSetting {
  enabled?: boolean;
  /** Default "18:00". */
  from?: string;
  /** Default "08:00" (the next morning when earlier than `from`). */
  to?: string;
  /** Days whose evening counts; default Mon–Fri. */
  days?: string[];
}

export interface FreezeSetting {
  id?: string;
  label?: string;
  /** 5-field cron, e.g. "0 18 * * 5". */
  start: string;
  /** 5-field cron, e.g. "0 8 * * 1". */
  end: string;
  /** IANA zone both crons are read in. */
  timeZone: string;
}

export interface OneOffSetting {
  id?: string;
  label?: string;
  /** ISO with offset ("2026-12-23T18:00:00+01:00"), or local ISO / date read in `timeZone` (else the author's). */
  start: string;
  /** As `start`; a bare date means "through the end of that day". */
  end: string;
  timeZone?: string;
}

export type HolidaySetting = string | { date: string; label?: string };

export interface DeployGuardSettings {
  enabled?: boolean;
  watchWindowMinutes?: number;
  weeklyWindows?: WeeklyWindowSetting[];
  evenings?: EveningsSetting | boolean;
  freezes?: FreezeSetting[];
  oneOff?: OneOffSetting[];
  holidays?: HolidaySetting[];
  saferTimeSearchDays?: number;
  /** Read by buildDeployCommandPatterns (commandPatterns.ts), not by validateDeployGuardSettings. */
  useDefaultCommandPatterns?: boolean;
  commandPatterns?: Array<string | { id?: string; label?: string; pattern: string }>;
  protectedBranches?: string[];
}

// ---- validated config ----

export type RuleKind = 'weekly' | 'evening' | 'freeze' | 'oneOff' | 'holiday';

export interface WeeklyRule {
  kind: 'weekly';
  id: string;
  label: string;
  fromDay: number;
  fromMinute: number;
  toDay: number;
  toMinute: number;
}

export interface EveningRule {
  kind: 'evening';
  id: string;
  label: string;
  fromMinute: number;
  toMinute: number;
  /** 0 = Sunday. */
  days: number[];
}

export interface FreezeRule {
  kind: 'freeze';
  id: string;
  label: string;
  start: string;
  end: string;
  timeZone: string;
}

/** A one-off bound: an absolute instant, or wall-clock fields resolved in `timeZone` or the author's zone. */
export type Moment =
  | { kind: 'instant'; t: number }
  | { kind: 'local'; year: number; month: number; day: number; minute: number; timeZone?: string };

export interface OneOffRule {
  kind: 'oneOff';
  id: string;
  label: string;
  start: Moment;
  end: Moment;
}

export interface HolidayRule {
  kind: 'holiday';
  id: string;
  label: string;
  year: number;
  month: number;
  day: number;
}

export type GuardRule = WeeklyRule | EveningRule | FreezeRule | OneOffRule | HolidayRule;

export interface DeployGuardConfig {
  enabled: boolean;
  watchWindowMinutes: number;
  rules: GuardRule[];
  saferTimeSearchDays: number;
}

export interface ConfigError {
  /** e.g. "freezes[0].start". */
  path: string;
  message: string;
}

export const DEFAULT_WATCH_WINDOW_MINUTES = 120;
export const DEFAULT_SAFER_TIME_SEARCH_DAYS = 14;
export const MAX_SAFER_TIME_SEARCH_DAYS = 31;

export const DEFAULT_WEEKLY_WINDOWS: readonly WeeklyWindowSetting[] = [
  { id: 'weekend', label: 'Friday afternoon to Monday morning', from: 'Fri 15:00', to: 'Mon 08:00' },
];
export const DEFAULT_EVENINGS: Required<EveningsSetting> = {
  enabled: true,
  from: '18:00',
  to: '08:00',
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
};

/** Caps so a settings file cannot make evaluation expensive. */
const MAX_ENTRIES = 100;

export interface ValidatedConfig {
  config: DeployGuardConfig;
  errors: ConfigError[];
}

/** The config with every default: Fri 15:00–Mon 08:00, weekday evenings 18:00–08:00, 2 h watch window. */
export function defaultDeployGuardConfig(): DeployGuardConfig {
  return validateDeployGuardSettings({}).config;
}

export function validateDeployGuardSettings(raw: unknown): ValidatedConfig {
  const errors: ConfigError[] = [];
  const err = (path: string, message: string): void => void errors.push({ path, message });
  const s: Record<string, unknown> = isObject(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isObject(raw)) err('', 'Deploy guard settings must be an object; using defaults.');

  let enabled = true;
  if (s.enabled !== undefined) {
    if (typeof s.enabled === 'boolean') enabled = s.enabled;
    else err('enabled', 'must be true or false.');
  }

  const watchWindowMinutes = intSetting(s.watchWindowMinutes, 'watchWindowMinutes', DEFAULT_WATCH_WINDOW_MINUTES, 0, 24 * 60, err);
  const saferTimeSearchDays = intSetting(s.saferTimeSearchDays, 'saferTimeSearchDays', DEFAULT_SAFER_TIME_SEARCH_DAYS, 1, MAX_SAFER_TIME_SEARCH_DAYS, err);

  const rules: GuardRule[] = [];
  const weekly = s.weeklyWindows === undefined ? DEFAULT_WEEKLY_WINDOWS : s.weeklyWindows;
  forEachEntry(weekly, 'weeklyWindows', err, (entry, path, i) => {
    const r = weeklyRule(entry, path, i, err);
    if (r) rules.push(r);
  });

  const evenings = eveningRule(s.evenings, err);
  if (evenings) rules.push(evenings);

  forEachEntry(s.freezes ?? [], 'freezes', err, (entry, path, i) => {
    const r = freezeRule(entry, path, i, err);
    if (r) rules.push(r);
  });
  forEachEntry(s.oneOff ?? [], 'oneOff', err, (entry, path, i) => {
    const r = oneOffRule(entry, path, i, err);
    if (r) rules.push(r);
  });
  forEachEntry(s.holidays ?? [], 'holidays', err, (entry, path, i) => {
    const r = holidayRule(entry, path, i, err);
    if (r) rules.push(r);
  });

  return { config: { enabled, watchWindowMinutes, rules, saferTimeSearchDays }, errors };
}

type ErrFn = (path: string, message: string) => void;

/** A settings value for an error message: strings quoted, anything else as JSON, both truncated. */
function show(v: unknown, quote = true): string {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
  const short = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return quote && typeof v === 'string' ? `"${short}"` : short;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intSetting(v: unknown, path: string, dflt: number, min: number, max: number, err: ErrFn): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    err(path, `must be a whole number from ${min} to ${max}; using ${dflt}.`);
    return dflt;
  }
  return v;
}

function forEachEntry(list: unknown, path: string, err: ErrFn, fn: (entry: unknown, path: string, index: number) => void): void {
  if (!Array.isArray(list)) {
    err(path, 'must be a list.');
    return;
  }
  if (list.length > MAX_ENTRIES) err(path, `only the first ${MAX_ENTRIES} entries are used.`);
  list.slice(0, MAX_ENTRIES).forEach((entry, i) => fn(entry, `${path}[${i}]`, i));
}

function optText(v: unknown, path: string, err: ErrFn): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.trim().length > 0 && v.length <= 200) return v.trim();
  err(path, 'must be a non-empty text of at most 200 characters.');
  return undefined;
}

function parseDayTime(text: unknown): { day: number; minute: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\s*([A-Za-z]+\.?)\s+(\d{1,2}:\d{2})\s*$/.exec(text);
  if (!m?.[1] || !m[2]) return undefined;
  const day = parseWeekday(m[1]);
  const minute = parseHhMm(m[2]);
  if (day === undefined || minute === undefined || minute >= 24 * 60) return undefined;
  return { day, minute };
}

function weeklyRule(entry: unknown, path: string, i: number, err: ErrFn): WeeklyRule | undefined {
  if (!isObject(entry)) return void err(path, 'must be an object { from: "Fri 15:00", to: "Mon 08:00" }.');
  const from = parseDayTime(entry.from);
  const to = parseDayTime(entry.to);
  if (!from) err(`${path}.from`, `${show(entry.from)} is not a weekday and 24 h time like "Fri 15:00".`);
  if (!to) err(`${path}.to`, `${show(entry.to)} is not a weekday and 24 h time like "Mon 08:00".`);
  if (!from || !to) return undefined;
  if (from.day === to.day && from.minute === to.minute) return void err(path, '`from` and `to` are the same time.');
  const label = optText(entry.label, `${path}.label`, err) ?? `${WEEKDAYS[from.day]} ${formatHhMm(from.minute)} – ${WEEKDAYS[to.day]} ${formatHhMm(to.minute)}`;
  const id = optText(entry.id, `${path}.id`, err) ?? `weekly-${i}`;
  return { kind: 'weekly', id, label, fromDay: from.day, fromMinute: from.minute, toDay: to.day, toMinute: to.minute };
}

function eveningRule(raw: unknown, err: ErrFn): EveningRule | undefined {
  if (raw === false) return undefined;
  const s: EveningsSetting = raw === undefined || raw === true ? {} : isObject(raw) ? raw : {};
  if (raw !== undefined && typeof raw !== 'boolean' && !isObject(raw)) err('evenings', 'must be true, false or an object; using the default.');
  if (s.enabled === false) return undefined;
  const fromText = s.from ?? DEFAULT_EVENINGS.from;
  const toText = s.to ?? DEFAULT_EVENINGS.to;
  let fromMinute = typeof fromText === 'string' ? parseHhMm(fromText) : undefined;
  let toMinute = typeof toText === 'string' ? parseHhMm(toText) : undefined;
  if (fromMinute === undefined || fromMinute >= 24 * 60) {
    err('evenings.from', `${show(fromText)} is not a 24 h time like "18:00"; using ${DEFAULT_EVENINGS.from}.`);
    fromMinute = 18 * 60;
  }
  if (toMinute === undefined) {
    err('evenings.to', `${show(toText)} is not a 24 h time like "08:00"; using ${DEFAULT_EVENINGS.to}.`);
    toMinute = 8 * 60;
  }
  if (fromMinute === toMinute) {
    err('evenings', '`from` and `to` are the same time; evenings are off.');
    return undefined;
  }
  const days: number[] = [];
  const rawDays: unknown = s.days ?? DEFAULT_EVENINGS.days;
  if (!Array.isArray(rawDays)) err('evenings.days', 'must be a list of weekday names.');
  else
    rawDays.forEach((d, i) => {
      const n = typeof d === 'string' ? parseWeekday(d) : undefined;
      if (n === undefined) err(`evenings.days[${i}]`, `${show(d)} is not a weekday name.`);
      else if (!days.includes(n)) days.push(n);
    });
  if (days.length === 0) return undefined;
  days.sort((a, b) => a - b);
  const hours = `${formatHhMm(fromMinute)}–${formatHhMm(toMinute)}`;
  const label = days.join() === '1,2,3,4,5' ? `weekday evenings (${hours})` : `evenings (${hours}, ${days.map((d) => WEEKDAYS[d]).join(' ')})`;
  return { kind: 'evening', id: 'evenings', label, fromMinute, toMinute, days };
}

/** Checks a 5-field cron: croner must accept it and it must fire at least once. */
export function validateCron(pattern: unknown, timeZone: string): string | undefined {
  if (typeof pattern !== 'string' || pattern.trim().length === 0 || pattern.length > 100) return 'must be a cron expression like "0 18 * * 5".';
  if (pattern.trim().split(/\s+/).length !== 5) return `"${pattern}" must have 5 fields (minute hour day month weekday).`;
  try {
    const next = new Cron(pattern.trim(), { timezone: timeZone }).nextRun();
    if (!next) return `"${pattern}" never fires.`;
  } catch (e) {
    return `"${pattern}" is not a valid cron expression (${errorText(e)}).`;
  }
  return undefined;
}

function freezeRule(entry: unknown, path: string, i: number, err: ErrFn): FreezeRule | undefined {
  if (!isObject(entry)) return void err(path, 'must be an object { start, end, timeZone }.');
  if (!isValidTimeZone(entry.timeZone)) return void err(`${path}.timeZone`, `${show(entry.timeZone)} is not an IANA time zone like "Europe/Berlin".`);
  const timeZone = entry.timeZone as string;
  const startErr = validateCron(entry.start, timeZone);
  const endErr = validateCron(entry.end, timeZone);
  if (startErr) err(`${path}.start`, startErr);
  if (endErr) err(`${path}.end`, endErr);
  if (startErr || endErr) return undefined;
  const start = (entry.start as string).trim();
  const end = (entry.end as string).trim();
  const label = optText(entry.label, `${path}.label`, err) ?? `freeze ${start} → ${end} (${timeZone})`;
  return { kind: 'freeze', id: optText(entry.id, `${path}.id`, err) ?? `freeze-${i}`, label, start, end, timeZone };
}

function parseMoment(v: unknown, timeZone: string | undefined, isEnd: boolean): Moment | undefined {
  if (typeof v !== 'string') return undefined;
  const instant = parseIsoInstant(v);
  if (instant !== undefined) return { kind: 'instant', t: instant };
  const tz = timeZone ? { timeZone } : {};
  const date = parseIsoDate(v);
  if (date) {
    // A bare end date is inclusive ("through Jan 3"), i.e. up to the next local midnight.
    const d = isEnd ? new Date(Date.UTC(date.year, date.month - 1, date.day + 1)) : undefined;
    return d
      ? { kind: 'local', year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), minute: 0, ...tz }
      : { kind: 'local', ...date, minute: 0, ...tz };
  }
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::00)?$/.exec(v.trim());
  const d = m?.[1] ? parseIsoDate(m[1]) : undefined;
  const minute = m?.[2] ? parseHhMm(m[2]) : undefined;
  if (!d || minute === undefined || minute >= 24 * 60) return undefined;
  return { kind: 'local', ...d, minute, ...tz };
}

function oneOffRule(entry: unknown, path: string, i: number, err: ErrFn): OneOffRule | undefined {
  if (!isObject(entry)) return void err(path, 'must be an object { start, end, timeZone? }.');
  let timeZone: string | undefined;
  if (entry.timeZone !== undefined) {
    if (!isValidTimeZone(entry.timeZone)) return void err(`${path}.timeZone`, `${show(entry.timeZone)} is not an IANA time zone.`);
    timeZone = entry.timeZone as string;
  }
  const start = parseMoment(entry.start, timeZone, false);
  const end = parseMoment(entry.end, timeZone, true);
  const hint = 'must be ISO like "2026-12-23T18:00:00+01:00", "2026-12-23T18:00" or "2026-12-23".';
  if (!start) err(`${path}.start`, hint);
  if (!end) err(`${path}.end`, hint);
  if (!start || !end) return undefined;
  if (start.kind === 'instant' && end.kind === 'instant' && end.t <= start.t) return void err(path, '`end` must be after `start`.');
  const label = optText(entry.label, `${path}.label`, err) ?? `${show(entry.start, false)} – ${show(entry.end, false)}`;
  return { kind: 'oneOff', id: optText(entry.id, `${path}.id`, err) ?? `oneOff-${i}`, label, start, end };
}

function holidayRule(entry: unknown, path: string, i: number, err: ErrFn): HolidayRule | undefined {
  const dateText = typeof entry === 'string' ? entry : isObject(entry) ? entry.date : undefined;
  const date = typeof dateText === 'string' ? parseIsoDate(dateText) : undefined;
  if (!date) return void err(typeof entry === 'string' ? path : `${path}.date`, `${show(dateText)} is not a date like "2026-12-25".`);
  const label = (isObject(entry) ? optText(entry.label, `${path}.label`, err) : undefined) ?? `holiday ${dateText as string}`;
  return { kind: 'holiday', id: `holiday-${i}`, label, ...date };
}
