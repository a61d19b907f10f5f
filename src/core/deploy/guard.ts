import type { Person, Rotation } from '../protocol/types';
import { formatShiftTime } from '../schedule/format';
import { type Identity, matchesIdentity } from '../schedule/identity';
import { roleRank, type Schedule } from '../schedule/schedule';
import { DAY_MS, formatInZone, isValidTimeZone, MINUTE_MS } from '../schedule/time';
import type { DeployDecision, DeployDecisionInput, MatchedRule, PagedPerson } from './decision';
import { decisionDetails, decisionHeadline, explainRule } from './guardText';
import { mergeIntervals, type RuleInterval, ruleIntervals } from './guardRules';

/**
 * The deploy guard policy: is deploying at `at` risky, why, who would be paged instead, and when would
 * be safer. Pure: no clock, no settings access — the host passes everything in.
 *
 * Risky = `at` is inside a risky rule (weekly window, evening, freeze, one-off range, holiday) AND the
 * author is not on call for the whole watch window [at, at + watch) — someone on shift can watch it.
 */

export function decideDeploy(input: DeployDecisionInput): DeployDecision {
  const { at, author, schedule, config } = input;
  const notes: string[] = [];
  const zone = authorZone(input, notes);
  const watchMs = config.watchWindowMinutes * MINUTE_MS;
  const base = { timeZone: zone, watchWindowMinutes: config.watchWindowMinutes, notes };
  if (!config.enabled) return { ...base, risky: false, rules: [], authorOnShift: false, headline: 'Deploy guard is off.', details: [], summary: 'Deploy guard is off.' };

  const horizon = config.saferTimeSearchDays * DAY_MS;
  const intervals = ruleIntervals(config.rules, zone, at - DAY_MS, at + horizon + watchMs + DAY_MS);
  const rules = matchedRules(intervals, at, zone);
  const authorOnShift = schedule?.onShiftThroughout(author, at, at + watchMs) ?? false;
  const risky = rules.length > 0 && !authorOnShift;
  const decision: DeployDecision = { ...base, risky, rules, authorOnShift, headline: '', details: [], summary: '' };
  const current = schedule && !authorOnShift ? schedule.currentShift(author, at) : undefined;
  if (current && current.coveredUntil > at) decision.authorOffCallAt = current.coveredUntil;

  const next = schedule && !authorOnShift ? schedule.nextShift(author, at) : undefined;
  if (next) decision.authorNextShift = { start: next.start, text: `next shift ${formatShiftTime(next.start, zone, at)}` };

  if (risky) {
    if (schedule) decision.pagedInstead = pagedInstead(schedule, author, at, watchMs, input.service);
    const safer = findSaferTime(intervals, at, horizon, watchMs, (s) => schedule?.onShiftThroughout(author, s, s + watchMs) ?? false);
    if (safer) decision.saferTime = { ...safer, text: `${formatShiftTime(safer.at, zone, at)} (your time)` };
  }
  decision.headline = decisionHeadline(decision, input.at, zone, input.schedule?.currentShift(input.author, input.at)?.coveredUntil);
  decision.details = decisionDetails(decision, input.config.saferTimeSearchDays);
  decision.summary = [decision.headline, ...decision.details.map((l) => (/[.!?]$/.test(l) ? l : `${l}.`))].join(' ');
  return decision;
}

function authorZone(input: DeployDecisionInput, notes: string[]): string {
  if (isValidTimeZone(input.authorTimeZone)) return input.authorTimeZone as string;
  const fromPerson = typeof input.author === 'object' && 'timeZone' in input.author ? input.author.timeZone : undefined;
  if (input.authorTimeZone !== undefined) notes.push(`"${input.authorTimeZone}" is not a time zone.`);
  if (isValidTimeZone(fromPerson)) return fromPerson as string;
  notes.push('Your time zone is unknown; times are in UTC.');
  return 'UTC';
}

function matchedRules(intervals: readonly RuleInterval[], at: number, zone: string): MatchedRule[] {
  const out: MatchedRule[] = [];
  for (const iv of intervals) {
    if (iv.start > at || at >= iv.end) continue;
    if (out.some((r) => r.id === iv.rule.id)) continue;
    out.push({ id: iv.rule.id, kind: iv.rule.kind, label: iv.rule.label, explanation: explainRule(iv, at, zone), start: iv.start, end: iv.end });
  }
  return out;
}

/**
 * Who would be paged during the watch window: tier-1 targets of the service's escalation policy, else
 * every primary rotation (else every rotation that is not explicitly secondary). The author is left out.
 */
export function pagedInstead(schedule: Schedule, author: Identity, at: number, watchMs: number, service?: string): PagedPerson[] {
  const policy = schedule.policyFor(service);
  const entries: Array<{ rotation: Rotation; person: Person; from: number }> = [];
  const addRotation = (rotation: Rotation): void => {
    for (const s of schedule.shiftsBetween(rotation.id, at, at + watchMs)) entries.push({ rotation, person: s.person, from: Math.max(at, s.start) });
  };
  const firstTier = policy ? [...policy.tiers].sort((a, b) => a.level - b.level)[0] : undefined;
  if (firstTier) {
    for (const target of firstTier.targets) {
      if (target.type === 'rotation') {
        const r = schedule.rotation(target.rotationId);
        if (r) addRotation(r);
      } else {
        entries.push({ rotation: { id: `person:${target.person.name}`, name: target.person.name, shifts: [] }, person: target.person, from: at });
      }
    }
  } else {
    const primaries = schedule.rotations.filter((r) => r.role?.toLowerCase() === 'primary');
    const pool = primaries.length > 0 ? primaries : schedule.rotations.filter((r) => roleRank(r.role) !== 1 && roleRank(r.role) !== 2);
    [...pool].sort((a, b) => roleRank(a.role) - roleRank(b.role)).forEach(addRotation);
  }
  // Each person once, at the earliest time a page would reach them (a person in two rotations, or with two
  // shifts inside the watch window, is still one person to wake up).
  const first = new Map<string, (typeof entries)[number]>();
  for (const e of entries) {
    if (matchesIdentity(e.person, author)) continue;
    const key = (e.person.email ?? e.person.name).toLowerCase();
    const prev = first.get(key);
    if (!prev || e.from < prev.from) first.set(key, e);
  }
  return [...first.values()].map((e) => pagedPerson(e.person, e.rotation, e.from));
}

function pagedPerson(person: Person, rotation: Rotation, at: number): PagedPerson {
  const zone = [person.timeZone, rotation.timeZone].find((z) => isValidTimeZone(z));
  const localTime = formatInZone(at, zone ?? 'UTC', 'EEE HH:mm');
  const text = zone
    ? `${person.name} gets paged at ${formatInZone(at, zone, 'HH:mm')} their time (${formatInZone(at, zone, 'EEE')}, ${zone})`
    : `${person.name} gets paged at ${localTime} UTC (their time zone is unknown)`;
  const p: PagedPerson = { person, rotation, at, localTime, text };
  if (zone) p.timeZone = zone;
  return p;
}

/**
 * Earliest instant ≥ at outside every rule where deploying is fine: either the watch window after it is
 * also clear of rules, or the author is on shift for it. Rule gaps are visited in order; inside a
 * gap too short for a clear watch window, candidates are tried on a 15-minute grid. If no such instant
 * exists within the horizon, the first instant outside every rule is returned with `watchable: false`.
 * Bounded: the number of gaps is finite (rules are expanded over the horizon only) and loops are capped.
 */
export function findSaferTime(
  intervals: readonly RuleInterval[],
  at: number,
  horizonMs: number,
  watchMs: number,
  authorOnShift: (s: number) => boolean,
): { at: number; watchable: boolean } | undefined {
  const STEP = 15 * MINUTE_MS;
  const MAX_CHECKS = 5000;
  const merged = mergeIntervals(intervals);
  const limit = at + horizonMs;
  let fallback: number | undefined;
  let checks = 0;
  let s = at;
  let i = 0;
  while (s <= limit && checks < MAX_CHECKS) {
    // Skip intervals that end before s, then jump past the one containing s.
    while (i < merged.length && (merged[i]?.[1] ?? 0) <= s) i++;
    const cur = merged[i];
    if (cur && cur[0] <= s) {
      s = cur[1];
      continue;
    }
    const gapEnd = cur ? cur[0] : Number.POSITIVE_INFINITY;
    fallback ??= s;
    if (gapEnd - s >= watchMs) return { at: s, watchable: true };
    for (let c = s; c < gapEnd && c <= limit && checks < MAX_CHECKS; c = Math.floor(c / STEP) * STEP + STEP) {
      checks++;
      if (authorOnShift(c)) return { at: c, watchable: true };
    }
    s = gapEnd;
  }
  return fallback !== undefined && fallback <= limit ? { at: fallback, watchable: false } : undefined;
}
