/**
 * Links from an alert to the commit meant to fix it (issue 21: "offer to link the push to that alert", fix →
 * watch → resolve). Made by the push guard, a `Fixes-Alert: <id>` trailer or a command; kept per workspace
 * (bounded), so a later deploy containing the commit can be matched to the alert.
 */
export interface FixLink {
  alertId: string;
  /** Full hex sha of the pushed / fixing commit. */
  commitSha: string;
  branch?: string;
  /** Repository root (fsPath) the commit is in. */
  repo?: string;
  /** Epoch ms the link was made. */
  at: number;
  via: 'push' | 'trailer' | 'command';
  /** Who linked it (the configured identity). */
  by?: string;
}

export const MAX_FIX_LINKS = 200;

const isSha = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{7,64}$/.test(s);

/** The valid links of a stored value (anything else is dropped), the newest MAX_FIX_LINKS. */
export function validFixLinks(raw: unknown): FixLink[] {
  if (!Array.isArray(raw)) return [];
  const out: FixLink[] = [];
  for (const x of raw.slice(-MAX_FIX_LINKS)) {
    const o = x && typeof x === 'object' ? (x as Record<string, unknown>) : undefined;
    if (!o || typeof o.alertId !== 'string' || !o.alertId || o.alertId.length > 1024 || !isSha(o.commitSha) || typeof o.at !== 'number') continue;
    if (o.via !== 'push' && o.via !== 'trailer' && o.via !== 'command') continue;
    out.push({
      alertId: o.alertId, commitSha: o.commitSha, at: o.at, via: o.via,
      ...(typeof o.branch === 'string' ? { branch: o.branch.slice(0, 250) } : {}),
      ...(typeof o.repo === 'string' ? { repo: o.repo.slice(0, 4096) } : {}),
      ...(typeof o.by === 'string' ? { by: o.by.slice(0, 200) } : {}),
    });
  }
  return out;
}

/** `links` with `link` added (an identical alert + commit replaces the older one), bounded. */
export function addFixLink(links: readonly FixLink[], link: FixLink): FixLink[] {
  const rest = links.filter((l) => !(l.alertId === link.alertId && l.commitSha === link.commitSha));
  return [...rest, link].slice(-MAX_FIX_LINKS);
}
