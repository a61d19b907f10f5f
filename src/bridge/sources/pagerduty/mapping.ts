/**
 * PagerDuty → protocol mapping.
 *
 * Severity (first that applies):
 *  1. the incident priority, when the account uses priorities: P1 → critical, P2 → high, P3 → warning,
 *     P4/P5 → info (a person set it: it wins over machine values);
 *  2. the most severe of the incident's alerts' severities (Events API v2): critical → critical,
 *     error → high, warning → warning, info → info;
 *  3. the incident urgency: high → high, low → warning.
 * Stack trace, release, commit, environment and runbook come from the first alert's `custom_details`
 * (body.details / body.cef_details.details), see shared/alertHelpers.extractDetails.
 */
import type { Alert, Escalation, EscalationPolicy, EscalationTarget, OnCallState, Person, Rotation, Severity, Shift } from '../../../core/protocol/types';
import { isoOf, laterIso, maxSeverity, severityFromWord, type ExtractedDetails } from '../shared/alertHelpers';
import { tierTargets } from '../shared/escalation';
import type { PdEscalationPolicy, PdIncident, PdOnCall, PdRef, PdSchedule } from './schemas';

export interface IncidentExtras {
  details?: ExtractedDetails;
  alertSeverity?: Severity;
  description?: string;
}

export function personOf(ref: PdRef): Person {
  const p: Person = { id: ref.id, name: ref.name || ref.summary || ref.email || ref.id };
  if (ref.email) p.email = ref.email;
  if (ref.time_zone) p.timeZone = ref.time_zone;
  return p;
}

export function severityOf(inc: PdIncident, alertSeverity: Severity | undefined): Severity {
  const prio = inc.priority?.summary ?? inc.priority?.name;
  const fromPriority = prio ? severityFromWord(/^P\d$/i.test(prio.trim()) ? prio.trim() : '') : undefined;
  if (fromPriority) return fromPriority;
  if (alertSeverity) return alertSeverity;
  return inc.urgency === 'low' ? 'warning' : 'high';
}

/** PagerDuty alert severities (critical|error|warning|info) → ours. */
export function alertSeverityOf(sev: string | null | undefined): Severity | undefined {
  switch (sev) {
    case 'critical':
      return 'critical';
    case 'error':
      return 'high';
    case 'warning':
      return 'warning';
    case 'info':
      return 'info';
    default:
      return undefined;
  }
}

export { maxSeverity };

/**
 * `prev` is what the world holds (keeps fields only an earlier call learned, e.g. who acknowledged
 * when this payload is a webhook's partial incident). `at` is the event time for webhooks.
 */
export function incidentToAlert(inc: PdIncident, extras: IncidentExtras, prev: Alert | undefined, at?: string): Alert {
  const created = isoOf(inc.created_at) ?? prev?.startedAt ?? at ?? new Date(0).toISOString();
  const updated = laterIso(laterIso(isoOf(inc.updated_at) ?? isoOf(inc.last_status_change_at), at), created) ?? created;
  const assignees = inc.assignments ? inc.assignments.map((a) => personOf(a.assignee)) : inc.assignees ? inc.assignees.map(personOf) : (prev?.assignees ?? []);
  const labels: Record<string, string> = {};
  const num = inc.incident_number ?? inc.number;
  if (num !== undefined && num !== null) labels.incident_number = String(num);
  if (inc.urgency) labels.urgency = inc.urgency;
  const prio = inc.priority?.summary ?? inc.priority?.name;
  if (prio) labels.priority = prio;
  if (inc.escalation_policy?.summary) labels.escalation_policy = inc.escalation_policy.summary;
  if (inc.teams?.length) labels.teams = inc.teams.map((t) => t.summary ?? t.id).join(', ');
  if (inc.incident_key) labels.incident_key = inc.incident_key;

  const a: Alert = {
    id: inc.id,
    title: inc.title || inc.summary || prev?.title || `PagerDuty incident ${inc.id}`,
    severity: severityOf(inc, extras.alertSeverity),
    status: inc.status,
    service: inc.service?.summary || inc.service?.id || prev?.service || 'unknown service',
    startedAt: created,
    updatedAt: updated,
    assignees,
    labels,
    source: 'pagerduty',
  };
  const description = extras.description ?? (inc.description && inc.description !== a.title ? inc.description : undefined) ?? prev?.description;
  if (description) a.description = description;
  if (inc.html_url) a.url = inc.html_url;
  else if (prev?.url) a.url = prev.url;
  const d = extras.details;
  const env = d?.environment ?? prev?.environment;
  if (env) a.environment = env;
  const trace = d?.stackTrace ?? prev?.stackTrace;
  if (trace) a.stackTrace = trace;
  const release = d?.release ?? prev?.release;
  if (release) a.release = release;
  const sha = d?.commitSha ?? prev?.commitSha;
  if (sha) a.commitSha = sha;
  const runbook = d?.runbookUrl ?? prev?.runbookUrl;
  if (runbook) a.runbookUrl = runbook;

  if (inc.status === 'acknowledged') {
    const last = inc.acknowledgements?.[inc.acknowledgements.length - 1];
    if (last) {
      a.acknowledgedBy = personOf(last.acknowledger);
      const ackAt = isoOf(last.at);
      if (ackAt) a.acknowledgedAt = ackAt;
    } else if (prev?.status === 'acknowledged') {
      if (prev.acknowledgedBy) a.acknowledgedBy = prev.acknowledgedBy;
      if (prev.acknowledgedAt) a.acknowledgedAt = prev.acknowledgedAt;
    }
  }
  if (inc.status === 'resolved') a.resolvedAt = isoOf(inc.resolved_at) ?? at ?? updated;
  return a;
}

/**
 * On-call state from schedules, escalation policies and /oncalls entries. One rotation per schedule
 * (its shifts are the /oncalls entries of that schedule in the window, de-duplicated: PagerDuty lists
 * a shift once per policy level that uses the schedule). Each escalation rule becomes a tier; its
 * schedule targets point at the rotation, user targets are people.
 */
export function buildOnCall(now: number, schedules: readonly PdSchedule[], policies: readonly PdEscalationPolicy[], oncalls: readonly PdOnCall[]): OnCallState {
  const rotations = new Map<string, Rotation>();
  for (const s of schedules) {
    const r: Rotation = { id: s.id, name: s.name || s.summary || s.id, shifts: [] };
    if (s.time_zone) r.timeZone = s.time_zone;
    rotations.set(s.id, r);
  }
  const seen = new Set<string>();
  for (const o of oncalls) {
    if (!o.schedule) continue;
    const start = isoOf(o.start);
    const end = isoOf(o.end);
    if (!start || !end) continue;
    const key = `${o.schedule.id}|${o.user.id}|${start}|${end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let r = rotations.get(o.schedule.id);
    if (!r) {
      r = { id: o.schedule.id, name: o.schedule.summary || o.schedule.id, shifts: [] };
      rotations.set(o.schedule.id, r);
    }
    const shift: Shift = { person: personOf(o.user), start, end };
    r.shifts.push(shift);
  }
  for (const r of rotations.values()) r.shifts.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const out: EscalationPolicy[] = policies.map((p) => {
    const levels = ruleLevels(p, oncalls);
    return {
      id: p.id,
      name: p.name || p.summary || p.id,
      services: (p.services ?? []).map((s) => s.summary || s.id),
      tiers: (p.escalation_rules ?? []).map((rule, i) => ({
        level: levels[i] ?? i + 1,
        delayMinutes: Math.max(0, rule.escalation_delay_in_minutes ?? 0),
        targets: (rule.targets ?? []).flatMap((t): EscalationTarget[] =>
          t.type === 'schedule_reference' || t.type === 'schedule'
            ? [{ type: 'rotation' as const, rotationId: t.id }]
            : t.type === 'user_reference' || t.type === 'user'
              ? [{ type: 'person' as const, person: personOf(t) }]
              : [],
        ),
      })),
    };
  });
  return { generatedAt: new Date(now).toISOString(), rotations: [...rotations.values()], policies: out };
}

const isSchedule = (t: { type?: string | null }): boolean => t.type === 'schedule_reference' || t.type === 'schedule';
const isUser = (t: { type?: string | null }): boolean => t.type === 'user_reference' || t.type === 'user';

/**
 * The level of each escalation rule as PagerDuty numbers it: `/oncalls` entries carry
 * `escalation_level` for (policy, schedule or directly targeted user). A rule takes the level its
 * targets appear at when that is one level; otherwise (no entry, or a schedule used at several levels)
 * its position. If that would give two rules the same level, positions are used for all.
 */
export function ruleLevels(p: PdEscalationPolicy, oncalls: readonly PdOnCall[]): number[] {
  const mine = oncalls.filter((o) => o.escalation_policy?.id === p.id && typeof o.escalation_level === 'number' && o.escalation_level >= 1);
  const levels = (p.escalation_rules ?? []).map((rule, i) => {
    const found = new Set<number>();
    for (const t of rule.targets ?? []) {
      for (const o of mine) {
        if (isSchedule(t) ? o.schedule?.id === t.id : isUser(t) && !o.schedule && o.user.id === t.id) found.add(o.escalation_level!);
      }
    }
    return found.size === 1 ? [...found][0]! : i + 1;
  });
  return new Set(levels).size === levels.length ? levels : levels.map((_, i) => i + 1);
}

/**
 * Where an open incident stands in its escalation policy: the lowest `/oncalls` `escalation_level` at
 * which one of its assignees is on call for the incident's policy now (PagerDuty assigns the incident to
 * the on-call of the level it escalated to). Undefined when that cannot be told (no policy, assigned
 * directly to someone not on call for it, or no on-call data yet). No countdown here: PagerDuty's
 * incident does not say when its level started.
 */
export function incidentEscalation(inc: PdIncident, nowMs: number, policies: readonly EscalationPolicy[], oncall: Pick<OnCallState, 'rotations'> | undefined, oncalls: readonly PdOnCall[]): Escalation | undefined {
  const policyId = inc.escalation_policy?.id;
  if (!policyId || inc.status === 'resolved') return undefined;
  const assignees = new Set((inc.assignments?.map((a) => a.assignee.id) ?? inc.assignees?.map((a) => a.id) ?? []).filter((x) => x));
  let level: number | undefined;
  for (const o of oncalls) {
    if (o.escalation_policy?.id !== policyId || typeof o.escalation_level !== 'number' || !assignees.has(o.user.id)) continue;
    const start = o.start ? Date.parse(o.start) : -Infinity;
    const end = o.end ? Date.parse(o.end) : Infinity;
    if (!(start <= nowMs && nowMs < end)) continue;
    if (level === undefined || o.escalation_level < level) level = o.escalation_level;
  }
  if (level === undefined) return undefined;
  const policy = policies.find((p) => p.id === policyId);
  const e: Escalation = { level, targets: [] };
  const name = policy?.name ?? inc.escalation_policy?.summary;
  if (name) e.policy = name;
  if (policy) {
    const next = policy.tiers.filter((t) => t.level > level).sort((a, b) => a.level - b.level)[0];
    if (next) e.targets = tierTargets(policy, next.level, oncall, nowMs);
  }
  return e;
}
