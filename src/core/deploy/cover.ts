/**
 * Issue 21 item 4, "Deploy anyway → cover yourself": after someone deploys anyway in a risky window while off
 * shift, they are offered to take on-call for the watch window, so the person who shipped is the one paged. This
 * picks the rotation and the window (pure); the host sends the `override` and shows the result.
 */
import type { Rotation } from '../protocol/types';
import type { Identity } from '../schedule/identity';
import type { Schedule } from '../schedule/schedule';
import type { DeployDecision } from './decision';

export type CoverOffer =
  | { ok: true; rotation: Rotation; start: number; end: number; /** Who would be paged instead now (names), for the prompt. */ replacing: string[] }
  | { ok: false; why: string };

/**
 * The rotation to take: the one through which the first person of `pagedInstead` would be paged (the service's
 * tier-1 rotation, else the primary rotation), else the first rotation of the service's policy's first tier, else
 * the only primary rotation. Window: [at, at + watch window]. Not offered when the decision is not risky or the
 * author is on shift throughout (then they are paged anyway).
 */
export function coverOffer(decision: DeployDecision, schedule: Schedule, author: Identity, at: number, service?: string): CoverOffer {
  if (!decision.risky) return { ok: false, why: 'deploying now is not risky' };
  const end = at + decision.watchWindowMinutes * 60_000;
  if (schedule.onShiftThroughout(author, at, end)) return { ok: false, why: 'you are on call for the whole watch window already' };
  if (decision.watchWindowMinutes <= 0) return { ok: false, why: 'the deploy guard has no watch window (deployGuard.watchWindowMinutes is 0)' };
  const real = (r: Rotation | undefined): Rotation | undefined => (r && !r.id.startsWith('person:') ? schedule.rotation(r.id) : undefined);
  let rotation = (decision.pagedInstead ?? []).map((p) => real(p.rotation)).find((r) => r !== undefined);
  if (!rotation) {
    const tier = [...(schedule.policyFor(service)?.tiers ?? [])].sort((a, b) => a.level - b.level)[0];
    for (const t of tier?.targets ?? []) if (!rotation && t.type === 'rotation') rotation = schedule.rotation(t.rotationId);
  }
  if (!rotation) {
    const primaries = schedule.rotations.filter((r) => r.role?.toLowerCase() === 'primary');
    if (primaries.length === 1) rotation = primaries[0];
  }
  if (!rotation) return { ok: false, why: schedule.rotations.length ? 'no rotation pages for this deploy (no escalation policy for the service and no single primary rotation)' : 'the alert source has no on-call schedule' };
  const replacing = (decision.pagedInstead ?? []).filter((p) => p.rotation.id === rotation.id).map((p) => p.person.name);
  return { ok: true, rotation, start: at, end, replacing };
}
