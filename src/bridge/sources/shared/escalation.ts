/**
 * Where an alert stands in its escalation policy, computed from the policy's tiers and the moment
 * escalation (re)started — for vendors whose APIs give the policy but not a countdown (Splunk On-Call,
 * Grafana IRM). Tier semantics are the protocol's: an alert waits `delayMinutes` unacked at tier N
 * before tier N+1 is paged.
 */
import type { Escalation, EscalationPolicy, OnCallState, Person } from '../../../core/protocol/types';

/** The people a tier pages at `nowMs`: its persons, and whoever is on call in its rotations. */
export function tierTargets(policy: EscalationPolicy, level: number, oncall: Pick<OnCallState, 'rotations'> | undefined, nowMs: number): Person[] {
  const tier = policy.tiers.find((t) => t.level === level);
  if (!tier) return [];
  const out: Person[] = [];
  const seen = new Set<string>();
  const add = (p: Person): void => {
    const k = p.id ?? p.email ?? p.handle ?? p.name;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(p);
  };
  for (const t of tier.targets) {
    if (t.type === 'person') add(t.person);
    else {
      const r = oncall?.rotations.find((x) => x.id === t.rotationId);
      for (const s of r?.shifts ?? []) if (Date.parse(s.start) <= nowMs && nowMs < Date.parse(s.end)) add(s.person);
    }
  }
  return out;
}

/**
 * The escalation of an alert whose escalation started at `startMs` (creation, or the last time it went
 * back to triggered). `active` false (acknowledged, silenced): the tier reached at `stoppedAtMs` is kept,
 * with no countdown — nobody will be paged.
 */
export function escalationOf(
  policy: EscalationPolicy,
  startMs: number,
  nowMs: number,
  oncall: Pick<OnCallState, 'rotations'> | undefined,
  opts: { active: boolean; stoppedAtMs?: number } = { active: true },
): Escalation | undefined {
  const tiers = [...policy.tiers].sort((a, b) => a.level - b.level);
  if (!tiers.length || !Number.isFinite(startMs)) return undefined;
  const at = opts.active ? nowMs : (opts.stoppedAtMs ?? nowMs);
  let i = 0;
  let tierStart = startMs;
  // Bounded by the number of tiers; a zero-delay tier escalates at once.
  while (i < tiers.length - 1 && tierStart + tiers[i]!.delayMinutes * 60_000 <= at) {
    tierStart += tiers[i]!.delayMinutes * 60_000;
    i++;
  }
  const tier = tiers[i]!;
  const next = tiers[i + 1];
  const e: Escalation = { level: tier.level, policy: policy.name, targets: next ? tierTargets(policy, next.level, oncall, nowMs) : [] };
  if (next && opts.active) e.nextEscalationAt = new Date(tierStart + tier.delayMinutes * 60_000).toISOString();
  return e;
}
