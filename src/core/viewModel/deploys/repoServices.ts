/**
 * Which services a repository deploys, from the merged deploy history: a service whose deploy names a commit of
 * this repository. Tag records are local by definition; an event's commit has to be checked in the repository
 * (the host does that, bounded by `MAX_SERVICE_CHECKS`).
 */
import type { DeployRecord } from '../../git';

/** The most distinct services checked per question (each may cost one `git cat-file -e`). */
export const MAX_SERVICE_CHECKS = 20;

export interface ServiceCandidate {
  service: string;
  /** The newest deploy of it. */
  sha: string;
  /** A tag of this repository names the commit: no check needed. */
  local: boolean;
}

/** Distinct services of the history, newest deploy first, at most `max`; a service known from a tag is local. */
export function serviceCandidates(history: readonly DeployRecord[], max = MAX_SERVICE_CHECKS): ServiceCandidate[] {
  const out = new Map<string, ServiceCandidate>();
  for (let i = history.length - 1; i >= 0 && out.size < max; i--) {
    const r = history[i]!;
    if (r.service === undefined) continue;
    const local = r.origin !== 'event';
    const known = out.get(r.service);
    if (known) {
      if (local && !known.local) out.set(r.service, { service: r.service, sha: r.commitSha, local });
      continue;
    }
    out.set(r.service, { service: r.service, sha: r.commitSha, local });
  }
  return [...out.values()];
}
