/**
 * Pure logic of the responder actions (issue 16, "In the editor"): snooze presets in the user's zone, custom
 * durations, override ranges, "snoozed until" text, and the ops partner for "Ask for Help". No `vscode`: the host's
 * `host/alerts/responderActions.ts` turns these into quick picks.
 */
import type { Alert, EscalationPolicy, EscalationTier, OnCallState, Person, Rotation } from '../protocol/types';
import { displayText } from '../util/text';
import { matchesIdentity } from '../schedule/identity';
import type { Schedule } from '../schedule/schedule';
import { addCalendarDays, DAY_MS, formatInZone, HOUR_MS, localParts, MINUTE_MS, wallToEpoch } from '../schedule/time';

/** The longest snooze or override a custom duration may ask for: 7 days (sources cap lower; they say so). */
export const MAX_CUSTOM_DURATION_MS = 7 * DAY_MS;
/** Bound on an "Add Note…" input (the protocol's MAX_NOTE_CHARS is the source's bound; this is the editor's). */
export const MAX_NOTE_INPUT = 2000;

export type SnoozePresetId = '15m' | '1h' | '4h' | 'tomorrow';
export interface SnoozePreset {
  id: SnoozePresetId;
  /** Epoch ms the alert wakes up. */
  until: number;
}

/** 15 min, 1 h, 4 h from now, and tomorrow 09:00 in `zone` (DST-safe: the wall-clock time, not now + 24 h). */
export function snoozePresets(now: number, zone: string): SnoozePreset[] {
  return [
    { id: '15m', until: now + 15 * MINUTE_MS },
    { id: '1h', until: now + HOUR_MS },
    { id: '4h', until: now + 4 * HOUR_MS },
    { id: 'tomorrow', until: tomorrowAt(now, zone, 9) },
  ];
}

/** `hour`:00 on the calendar day after `now`'s, in `zone`. */
export function tomorrowAt(now: number, zone: string, hour: number): number {
  const p = localParts(now, zone);
  const d = addCalendarDays(p.year, p.month, p.day, 1);
  return wallToEpoch(zone, d.year, d.month, d.day, hour);
}

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/**
 * A duration typed by the user: "90" (minutes), "45m", "2h", "1h30m", "1.5h", "2d", "1d 4h". Bounded to
 * `MAX_CUSTOM_DURATION_MS`, at least one minute. Errors are sentences for the input box.
 */
export function parseDuration(text: string, maxMs = MAX_CUSTOM_DURATION_MS): DurationResult {
  const s = text.trim().toLowerCase();
  if (!s) return { ok: false, error: 'Type a duration, e.g. 30m, 2h or 1h30m.' };
  if (s.length > 40) return { ok: false, error: 'That is too long for a duration: type e.g. 30m, 2h or 1h30m.' };
  let ms = 0;
  if (/^\d{1,5}$/.test(s)) ms = Number(s) * MINUTE_MS;
  else {
    const re = /(\d{1,4}(?:\.\d{1,2})?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m)\s*/gy;
    let pos = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      const n = Number(m[1]);
      const unit = m[2]![0];
      ms += n * (unit === 'd' ? DAY_MS : unit === 'h' ? HOUR_MS : MINUTE_MS);
      pos = re.lastIndex;
    }
    if (pos !== s.length || pos === 0) return { ok: false, error: `"${text.trim().slice(0, 40)}" is not a duration: type e.g. 30m, 2h, 1h30m or 1d.` };
  }
  ms = Math.round(ms / MINUTE_MS) * MINUTE_MS;
  if (ms < MINUTE_MS) return { ok: false, error: 'At least one minute.' };
  if (ms > maxMs) return { ok: false, error: `At most ${Math.round(maxMs / HOUR_MS)} hours (${Math.round(maxMs / DAY_MS)} days).` };
  return { ok: true, ms };
}

/** "14:30" today, "Tue 09:00" within a week, "Tue 13 Jan 09:00" further out — in `zone`. */
export function formatUntil(until: number, now: number, zone: string): string {
  const a = localParts(until, zone);
  const b = localParts(now, zone);
  if (a.year === b.year && a.month === b.month && a.day === b.day) return formatInZone(until, zone, 'HH:mm');
  return formatInZone(until, zone, Math.abs(until - now) >= 6 * DAY_MS ? 'EEE d MMM HH:mm' : 'EEE HH:mm');
}

/** The wake-up time of a snoozed alert still asleep at `now`, else undefined (resolved, woken, or a bad timestamp). */
export function snoozedUntil(a: Alert, now: number): number | undefined {
  if (a.status === 'resolved' || a.snoozedUntil === undefined) return undefined;
  const t = Date.parse(a.snoozedUntil);
  return Number.isFinite(t) && t > now ? t : undefined;
}

export type OverrideRangeId = 'restOfShift' | 'next4h' | 'nextShift';
export interface OverrideRange {
  id: OverrideRangeId;
  start: number;
  end: number;
}

/**
 * Ranges to take on-call or be covered on `rotationId`: the rest of the current shift on it (now → its end), the
 * next 4 hours, and the next shift of the person on it when there is none now. Custom is the host's input box.
 */
export function overrideRanges(schedule: Schedule, rotationId: string, now: number): OverrideRange[] {
  const out: OverrideRange[] = [];
  const current = schedule.shiftsAt(rotationId, now);
  const end = current.reduce((m, s) => Math.max(m, s.end), 0);
  if (end > now) out.push({ id: 'restOfShift', start: now, end });
  out.push({ id: 'next4h', start: now, end: now + 4 * HOUR_MS });
  if (!current.length) {
    const next = schedule.shiftsBetween(rotationId, now, now + 7 * DAY_MS).find((e) => e.start > now);
    if (next) out.push({ id: 'nextShift', start: next.start, end: next.end });
  }
  return out;
}

/** A person of the directory with their local time ("02:10 there"), for pickers. */
export function localTimeOf(p: Person, now: number): string | undefined {
  return p.timeZone ? formatInZone(now, p.timeZone, 'HH:mm') : undefined;
}

/** The directory to pick from: `oncall.people`, else everyone the schedule and the alert mention (deduplicated by id). */
export function pickablePeople(oncall: OnCallState | null, alert?: Alert): Person[] {
  const seen = new Set<string>();
  const out: Person[] = [];
  const add = (p: Person): void => {
    if (!p.id || seen.has(p.id)) return;
    seen.add(p.id);
    out.push(p);
  };
  for (const p of oncall?.people ?? []) add(p);
  if (out.length === 0) {
    for (const r of oncall?.rotations ?? []) for (const s of r.shifts) add(s.person);
    for (const p of alert?.escalation?.targets ?? []) add(p);
  }
  return out;
}

/** Who a tier pages, in words ("Alice, Platform primary"): persons by name, rotations by their name (else id). */
export function tierTargetNames(tier: EscalationTier, rotations: readonly Pick<Rotation, 'id' | 'name'>[]): string {
  return tier.targets.map((x) => displayText(x.type === 'person' ? x.person.name : (rotations.find((y) => y.id === x.rotationId)?.name ?? x.rotationId), 40)).join(', ');
}

/** A policy for a picker: who its first level pages and how many levels it has ("Alice, Ops primary · 3 levels"). */
export function policySummary(policy: EscalationPolicy, rotations: readonly Pick<Rotation, 'id' | 'name'>[]): string {
  const tiers = [...policy.tiers].sort((a, b) => a.level - b.level);
  const first = tiers[0] ? tierTargetNames(tiers[0], rotations) : '';
  const levels = tiers.length === 1 ? '1 level' : `${tiers.length} levels`;
  return first ? `${first} · ${levels}` : levels;
}

export type HelpTarget =
  | { kind: 'person'; person: Person; rotation: Rotation }
  | { kind: 'escalate' }
  | { kind: 'none'; why: string };

/**
 * "Ask for Help": the ops partner of a paired rotation — someone on call now on a rotation paired (same `pair`) with
 * one `me` is on call for, not me. Prefers the pair of the alert's service's rotation when several match. Without a
 * partner with an id, escalate when the alert is paged, else say why not.
 */
export function helpTarget(schedule: Schedule, me: string, alert: Alert | undefined, now: number): HelpTarget {
  const groups = schedule.onCallNow(now).filter((g) => g.pair !== undefined);
  const mine = me ? groups.filter((g) => g.rotations.some((r) => r.people.some((p) => matchesIdentity(p, me)))) : [];
  for (const g of mine.length ? mine : groups) {
    for (const r of g.rotations) {
      if (me && r.people.some((p) => matchesIdentity(p, me))) continue;
      const partner = r.people.find((p) => p.id && !(me && matchesIdentity(p, me)));
      if (partner) return { kind: 'person', person: partner, rotation: r.rotation };
    }
  }
  if (alert?.escalation) return { kind: 'escalate' };
  return { kind: 'none', why: 'no paired rotation has someone else on call now, and this alert has no escalation policy to escalate on' };
}
