import type { EscalationPolicy, EscalationTarget, Person, Rotation } from '../protocol/types';
import { MINUTE_MS } from './time';

/** What escalation needs from the schedule (kept narrow so this module does not import Schedule). */
export interface RotationLookup {
  rotation(id: string): Rotation | undefined;
  whoIsOnCall(rotationId: string, t: number): Person[];
}

export interface ResolvedTarget {
  target: EscalationTarget;
  /** Set for rotation targets (undefined when the policy names a rotation the schedule lacks). */
  rotation?: Rotation;
  /** "primary (Alice)", "Carol", "secondary (nobody on call)". */
  label: string;
  people: Person[];
}

export interface ChainTier {
  level: number;
  /** Minutes this tier waits unacked before the next tier is paged. */
  delayMinutes: number;
  /** Minutes after the alert fires at which this tier is paged (sum of earlier tiers' delays). */
  pagedAfterMinutes: number;
  /** The instant this tier is paged; targets are resolved at this instant, not at t. */
  at: number;
  targets: ResolvedTarget[];
  people: Person[];
  label: string;
}

export interface EscalationChain {
  policy: EscalationPolicy;
  tiers: ChainTier[];
  /**
   * "primary (Alice) → 5 min → secondary (Bob) → 15 min → team lead (Carol)". Each arrow carries the
   * wait between the two tiers it joins (the earlier tier's delay); cumulative times are in `tiers`.
   */
  text: string;
}

export function formatMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
}

function resolveTarget(target: EscalationTarget, at: number, lookup: RotationLookup): ResolvedTarget {
  if (target.type === 'person') return { target, label: target.person.name, people: [target.person] };
  const rotation = lookup.rotation(target.rotationId);
  const people = lookup.whoIsOnCall(target.rotationId, at);
  const title = rotation?.role ?? rotation?.name ?? target.rotationId;
  const who = people.length > 0 ? people.map((p) => p.name).join(', ') : 'nobody on call';
  const resolved: ResolvedTarget = { target, label: `${title} (${who})`, people };
  if (rotation) resolved.rotation = rotation;
  return resolved;
}

export function buildEscalationChain(policy: EscalationPolicy, t: number, lookup: RotationLookup): EscalationChain {
  const tiers: ChainTier[] = [];
  let cumulative = 0;
  for (const tier of [...policy.tiers].sort((a, b) => a.level - b.level)) {
    const at = t + cumulative * MINUTE_MS;
    const targets = tier.targets.map((x) => resolveTarget(x, at, lookup));
    const people = targets.flatMap((x) => x.people);
    tiers.push({
      level: tier.level,
      delayMinutes: tier.delayMinutes,
      pagedAfterMinutes: cumulative,
      at,
      targets,
      people,
      label: targets.length > 0 ? targets.map((x) => x.label).join(' + ') : 'nobody',
    });
    cumulative += Math.max(0, tier.delayMinutes);
  }
  let text = '';
  tiers.forEach((tier, i) => {
    const prev = tiers[i - 1];
    text += prev ? ` → ${formatMinutes(prev.delayMinutes)} → ${tier.label}` : tier.label;
  });
  return { policy, tiers, text };
}
