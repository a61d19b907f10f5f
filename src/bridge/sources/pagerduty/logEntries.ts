/**
 * PagerDuty incident log entries (`listIncidentLogEntries`, GET /incidents/{id}/log_entries) → the alert's timeline
 * and the moment its escalation (re)started, and that moment + the escalation policy's rule delays → the countdown.
 *
 * PagerDuty's incident does not say when its current level started or when it escalates next; its log does: the
 * latest trigger / escalate / assign / unacknowledge / repeat-escalation-path entry is when the current level began
 * waiting, and the rule's `escalation_delay_in_minutes` is how long it waits. After the last rule the policy repeats
 * `num_loops` times (each repeat is a `repeat_escalation_path_log_entry`).
 */
import type { Escalation, EscalationPolicy, OnCallState, Person, TimelineEntry } from '../../../core/protocol/types';
import { ALERT_LIMITS } from '../../../core/protocol/limits';
import { isoOf } from '../shared/alertHelpers';
import { escalationOf } from '../shared/escalation';
import type { PdLogEntry } from './schemas';

/** Log entry kinds that (re)start the wait at the incident's current level. */
const RESTARTS = new Set(['trigger_log_entry', 'escalate_log_entry', 'assign_log_entry', 'unacknowledge_log_entry', 'repeat_escalation_path_log_entry']);

/** Log entry kinds shown in the timeline, by protocol kind. The reference spells acknowledge both ways. */
const KIND: Record<string, TimelineEntry['kind']> = {
  trigger_log_entry: 'triggered',
  acknowledge_log_entry: 'acknowledged',
  acknowledgement_log_entry: 'acknowledged',
  unacknowledge_log_entry: 'unacknowledged',
  escalate_log_entry: 'escalated',
  assign_log_entry: 'reassigned',
  annotate_log_entry: 'note',
  resolve_log_entry: 'resolved',
  snooze_log_entry: 'snoozed',
};

const isUser = (t: string | null | undefined): boolean => t === 'user_reference' || t === 'user';

/** What the bridge keeps of an incident's log: its timeline, and what the countdown needs. */
export interface IncidentLog {
  timeline: TimelineEntry[];
  /** When the wait at the current level began (epoch ms); undefined when the log has no such entry. */
  restartedAtMs: number | undefined;
  /** `repeat_escalation_path_log_entry`s since the last trigger: loops of the policy already used. */
  loopsDone: number;
}

/** Log entries (any order; invalid times skipped) → timeline (oldest first, the newest `maxTimeline` kept) and restart. */
export function readIncidentLog(entries: readonly PdLogEntry[]): IncidentLog {
  const timed = entries
    .map((e) => ({ e, at: isoOf(e.created_at) }))
    .filter((x): x is { e: PdLogEntry; at: string } => x.at !== undefined)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const timeline: TimelineEntry[] = [];
  let restartedAtMs: number | undefined;
  let loopsDone = 0;
  for (const { e, at } of timed) {
    if (RESTARTS.has(e.type)) restartedAtMs = Date.parse(at);
    if (e.type === 'trigger_log_entry') loopsDone = 0;
    if (e.type === 'repeat_escalation_path_log_entry') loopsDone++;
    const kind = KIND[e.type];
    if (!kind) continue;
    const entry: TimelineEntry = { at, kind };
    if (e.agent && isUser(e.agent.type)) {
      const actor: Person = { id: e.agent.id, name: e.agent.summary || e.agent.name || e.agent.id };
      if (e.agent.email) actor.email = e.agent.email;
      entry.actor = actor;
    }
    const text = kind === 'note' ? (e.channel?.summary ?? e.note ?? e.summary) : e.summary;
    if (text) entry.text = text;
    timeline.push(entry);
  }
  return { timeline: timeline.length > ALERT_LIMITS.maxTimeline ? timeline.slice(-ALERT_LIMITS.maxTimeline) : timeline, restartedAtMs, loopsDone };
}

/**
 * The countdown of a triggered incident at `level` (from `/oncalls` `escalation_level`) whose wait there began at
 * `restartedAtMs`: when it escalates and who is paged next (the next rule, or the first one again while loops
 * remain). Undefined when PagerDuty should already have moved it on (our level is stale: no countdown rather than a
 * wrong one) or the policy has no rule at that level.
 */
export function countdownOf(
  policy: EscalationPolicy,
  numLoops: number,
  loopsDone: number,
  level: number,
  restartedAtMs: number,
  nowMs: number,
  oncall: Pick<OnCallState, 'rotations'> | undefined,
): Pick<Escalation, 'nextEscalationAt' | 'targets'> | undefined {
  const sorted = [...policy.tiers].sort((a, b) => a.level - b.level);
  const rest = sorted.filter((t) => t.level >= level);
  if (!rest.length || rest[0]!.level !== level) return undefined;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  // The policy repeats from its first rule after the last while loops remain: a stand-in tier after the last one.
  const tiers = loopsDone < numLoops ? [...rest, { ...first, level: last.level + 1 }] : rest;
  const e = escalationOf({ ...policy, tiers }, restartedAtMs, nowMs, oncall);
  if (!e || e.level !== level || !e.nextEscalationAt) return undefined;
  return { nextEscalationAt: e.nextEscalationAt, targets: e.targets };
}
