import ICAL from 'ical.js';
import { isValidTimeZone, wallToEpoch } from './time';

/**
 * TZID → instant conversion for one feed. IANA names (also when prefixed, as in
 * "/citadel.org/20190101_1/Europe/Berlin", or as common Windows names) use the runtime's tz data,
 * which is more complete than a feed's VTIMEZONE. Only zones with no IANA equivalent fall back to the
 * feed's own VTIMEZONE rules, loaded per feed rather than into ical.js's global registry.
 */
export interface ZoneResolver {
  /** The IANA zone a TZID (or X-WR-TIMEZONE) stands for, if any. */
  iana(tzid: string | undefined): string | undefined;
  /** Instant of an ical.js time; dates (all-day) are local midnight in `defaultZone`. */
  toEpoch(time: ICAL.Time | null | undefined, tzid: string | undefined, defaultZone: string): number | undefined;
}

/** Windows zone names Outlook/Exchange exports use without a usable VTIMEZONE (the common ones only). */
const WINDOWS_ZONES: Record<string, string> = {
  'UTC': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'India Standard Time': 'Asia/Kolkata',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'AUS Eastern Standard Time': 'Australia/Sydney',
};

export function createZoneResolver(vtimezones: ICAL.Component[], warnings: string[]): ZoneResolver {
  const custom = new Map<string, ICAL.Timezone>();
  for (const vtz of vtimezones) {
    const tzid = vtz.getFirstPropertyValue('tzid');
    if (typeof tzid !== 'string') continue;
    try {
      custom.set(tzid, new ICAL.Timezone({ component: vtz, tzid }));
    } catch {
      warnings.push(`Ignored an unreadable VTIMEZONE ${tzid}.`);
    }
  }
  const warned = new Set<string>();
  const ianaCache = new Map<string, string | undefined>();

  const iana = (tzid: string | undefined): string | undefined => {
    if (!tzid) return undefined;
    if (ianaCache.has(tzid)) return ianaCache.get(tzid);
    let found: string | undefined;
    const clean = tzid.replace(/^"|"$/g, '').trim();
    if (isValidTimeZone(clean)) found = clean;
    else if (WINDOWS_ZONES[clean]) found = WINDOWS_ZONES[clean];
    else {
      // Vendor-prefixed ids: try the trailing "Area/City" (or "Area/Sub/City") segments.
      const parts = clean.split('/').filter(Boolean);
      for (let i = Math.max(0, parts.length - 3); i < parts.length && !found; i++) {
        const cand = parts.slice(i).join('/');
        if (cand.includes('/') && isValidTimeZone(cand)) found = cand;
      }
      const loc = custom.get(clean)?.component?.getFirstPropertyValue('x-lic-location');
      if (!found && typeof loc === 'string' && isValidTimeZone(loc)) found = loc;
    }
    ianaCache.set(tzid, found);
    return found;
  };

  const toEpoch = (time: ICAL.Time | null | undefined, tzid: string | undefined, defaultZone: string): number | undefined => {
    if (!time) return undefined;
    const { year, month, day } = time;
    if (time.isDate) return wallToEpoch(defaultZone, year, month, day);
    const { hour, minute, second } = time;
    if (time.zone?.tzid === 'UTC' && !tzid) return Date.UTC(year, month - 1, day, hour, minute, second);
    if (!tzid) return wallToEpoch(defaultZone, year, month, day, hour, minute, second);
    const zone = iana(tzid);
    if (zone) return wallToEpoch(zone, year, month, day, hour, minute, second);
    const vtz = custom.get(tzid);
    if (vtz) {
      const local = new ICAL.Time({ year, month, day, hour, minute, second, isDate: false }, vtz);
      return Date.UTC(year, month - 1, day, hour, minute, second) - vtz.utcOffset(local) * 1000;
    }
    if (!warned.has(tzid)) {
      warned.add(tzid);
      warnings.push(`Unknown time zone "${tzid}"; read its times as ${defaultZone}.`);
    }
    return wallToEpoch(defaultZone, year, month, day, hour, minute, second);
  };

  return { iana, toEpoch };
}
