import type { EscalationPolicy, OnCallState, Person, Rotation } from '../protocol/types';
import { buildEscalationChain, type EscalationChain } from './escalation';
import { type Identity, matchesIdentity } from './identity';

/**
 * Read model over who is on call when: protocol rotations (from the bridge) merged with iCal-derived
 * ones. Every query takes an explicit instant `t` (epoch ms) so callers decide what "now" is. Shifts
 * are half-open [start, end): at the hand-off instant the incoming person is on call, not the outgoing.
 */

export interface ShiftEntry {
  rotation: Rotation;
  person: Person;
  start: number;
  end: number;
}

export interface CurrentShift extends ShiftEntry {
  /** End of uninterrupted coverage, following back-to-back shifts (also across rotations). */
  coveredUntil: number;
}

export interface RotationOnCall {
  rotation: Rotation;
  role?: string;
  /** Empty when nobody is on call on this rotation at t (a gap worth showing). */
  people: Person[];
  shifts: ShiftEntry[];
}

export interface OnCallGroup {
  /** The shared `pair` value, or undefined for an unpaired rotation. */
  pair?: string;
  /** Rotations of the group, primary before secondary, dev before ops. */
  rotations: RotationOnCall[];
}

const ROLE_RANK: Record<string, number> = { primary: 0, secondary: 1, tertiary: 2, dev: 3, ops: 4 };
export const roleRank = (role: string | undefined): number => (role ? (ROLE_RANK[role.toLowerCase()] ?? 5) : 5);

/** Cap on how many back-to-back shifts coverage follows; bounds the walk on pathological data. */
const MAX_COVERAGE_HOPS = 10_000;

export class Schedule {
  readonly rotations: readonly Rotation[];
  readonly policies: readonly EscalationPolicy[];
  private readonly entries: ShiftEntry[];
  private readonly byRotation = new Map<string, ShiftEntry[]>();

  /**
   * Rotations from the bridge's OnCallState plus rotations parsed from iCal feeds. A feed rotation
   * with the same id as a protocol rotation replaces it (the user pointed that rotation at a feed).
   */
  static fromState(state: OnCallState | null | undefined, extraRotations: readonly Rotation[] = []): Schedule {
    const extraIds = new Set(extraRotations.map((r) => r.id));
    const base = (state?.rotations ?? []).filter((r) => !extraIds.has(r.id));
    return new Schedule([...base, ...extraRotations], state?.policies ?? []);
  }

  constructor(rotations: readonly Rotation[], policies: readonly EscalationPolicy[] = []) {
    this.rotations = rotations;
    this.policies = policies;
    this.entries = [];
    for (const rotation of rotations) {
      const list: ShiftEntry[] = [];
      for (const s of rotation.shifts) {
        const start = Date.parse(s.start);
        const end = Date.parse(s.end);
        // Malformed shifts are dropped here rather than poisoning every query.
        if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) continue;
        list.push({ rotation, person: s.person, start, end });
      }
      list.sort((a, b) => a.start - b.start);
      this.byRotation.set(rotation.id, list);
      this.entries.push(...list);
    }
    this.entries.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  rotation(id: string): Rotation | undefined {
    return this.rotations.find((r) => r.id === id);
  }

  /** Shifts of `identity`, optionally only those overlapping [from, to). */
  shiftsOf(identity: Identity, from = -Infinity, to = Infinity): ShiftEntry[] {
    return this.entries.filter((e) => e.end > from && e.start < to && matchesIdentity(e.person, identity));
  }

  isOnCall(identity: Identity, t: number): boolean {
    return this.entries.some((e) => e.start <= t && t < e.end && matchesIdentity(e.person, identity));
  }

  /** The shift `identity` is on at t (the one lasting longest if several overlap), with its coverage end. */
  currentShift(identity: Identity, t: number): CurrentShift | undefined {
    let best: ShiftEntry | undefined;
    for (const e of this.entries) {
      if (e.start <= t && t < e.end && matchesIdentity(e.person, identity) && (!best || e.end > best.end)) best = e;
    }
    if (!best) return undefined;
    return { ...best, coveredUntil: this.coverageEnd(identity, t) ?? best.end };
  }

  /** The first shift of `identity` starting strictly after t. */
  nextShift(identity: Identity, t: number): ShiftEntry | undefined {
    return this.entries.find((e) => e.start > t && matchesIdentity(e.person, identity));
  }

  /** Shifts of one rotation covering t. */
  shiftsAt(rotationId: string, t: number): ShiftEntry[] {
    return (this.byRotation.get(rotationId) ?? []).filter((e) => e.start <= t && t < e.end);
  }

  /** Shifts of one rotation overlapping [from, to), in time order. */
  shiftsBetween(rotationId: string, from: number, to: number): ShiftEntry[] {
    return (this.byRotation.get(rotationId) ?? []).filter((e) => e.end > from && e.start < to);
  }

  whoIsOnCall(rotationId: string, t: number): Person[] {
    return uniquePeople(this.shiftsAt(rotationId, t).map((e) => e.person));
  }

  /** Everyone on call at t, paired rotations (same `pair`) grouped together, primaries first. */
  onCallNow(t: number): OnCallGroup[] {
    const groups = new Map<string, OnCallGroup>();
    for (const rotation of this.rotations) {
      const key = rotation.pair !== undefined ? `pair:${rotation.pair}` : `rotation:${rotation.id}`;
      let g = groups.get(key);
      if (!g) {
        g = rotation.pair !== undefined ? { pair: rotation.pair, rotations: [] } : { rotations: [] };
        groups.set(key, g);
      }
      const shifts = this.shiftsAt(rotation.id, t);
      const entry: RotationOnCall = { rotation, people: uniquePeople(shifts.map((s) => s.person)), shifts };
      if (rotation.role !== undefined) entry.role = rotation.role;
      g.rotations.push(entry);
    }
    const list = [...groups.values()];
    for (const g of list) g.rotations.sort((a, b) => roleRank(a.role) - roleRank(b.role));
    const best = (g: OnCallGroup): number => Math.min(...g.rotations.map((r) => roleRank(r.role)));
    // Array.prototype.sort is stable, so equally ranked groups keep the order the source gave.
    return list.sort((a, b) => best(a) - best(b));
  }

  /**
   * End of uninterrupted coverage of `identity` starting at t (back-to-back shifts, on any rotation,
   * are followed); undefined when not on call at t.
   */
  coverageEnd(identity: Identity, t: number): number | undefined {
    const mine = this.entries.filter((e) => matchesIdentity(e.person, identity));
    let cur = t;
    let covered = false;
    for (let hop = 0; hop < MAX_COVERAGE_HOPS; hop++) {
      let next = cur;
      for (const e of mine) if (e.start <= cur && cur < e.end && e.end > next) next = e.end;
      if (next === cur) break;
      covered = true;
      cur = next;
    }
    return covered ? cur : undefined;
  }

  /** True when `identity` is on call for the whole of [from, to) (back-to-back shifts count as covered). */
  onShiftThroughout(identity: Identity, from: number, to: number): boolean {
    if (to <= from) return this.isOnCall(identity, from);
    const end = this.coverageEnd(identity, from);
    return end !== undefined && end >= to;
  }

  /** The policy paging for `service`: one listing it, else one with an empty service list (= all). */
  policyFor(service: string | undefined): EscalationPolicy | undefined {
    if (service !== undefined) {
      const s = service.toLowerCase();
      const exact = this.policies.find((p) => p.services.some((x) => x.toLowerCase() === s));
      if (exact) return exact;
    }
    return this.policies.find((p) => p.services.length === 0);
  }

  /** Who gets paged, tier by tier, if an alert fires at t. Accepts a policy or its id. */
  escalationChain(policy: EscalationPolicy | string, t: number): EscalationChain | undefined {
    const p = typeof policy === 'string' ? this.policies.find((x) => x.id === policy) : policy;
    return p ? buildEscalationChain(p, t, this) : undefined;
  }
}

/** Deduplicates people by email, else id, else name (a person on two overlapping shifts counts once). */
export function uniquePeople(people: readonly Person[]): Person[] {
  const seen = new Set<string>();
  const out: Person[] = [];
  for (const p of people) {
    const key = p.email?.toLowerCase() ?? (p.id ? `id:${p.id}` : `name:${p.name.toLowerCase()}`);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
