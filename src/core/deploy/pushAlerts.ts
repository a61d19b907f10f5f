/**
 * "The push guard knows about open alerts" (issue 21): which lines of a push are in-app frames of open alerts,
 * and how the hook says so. Pure: the host diffs the pushed range (core git) and resolves the alerts' frames.
 */
import type { Hunk } from '../git/types';
import type { AlertStatus, Severity } from '../protocol/types';

export interface AlertWithFrames {
  alert: { id: string; title: string; severity: Severity; status: AlertStatus };
  /** The alert's resolved in-app frames, innermost first, as repository-relative POSIX paths. */
  frames: ReadonlyArray<{ path: string; line: number }>;
}

export interface PushedFrameHit {
  alertId: string;
  title: string;
  severity: Severity;
  status: AlertStatus;
  path: string;
  line: number;
  /** 0: the alert's top (innermost) in-app frame. */
  index: number;
}

/** Is `line` (in the old version) changed by one of the `-U0` hunks: replaced/removed, or with lines inserted right at it. */
export function lineChanged(hunks: readonly Hunk[], line: number): boolean {
  return hunks.some((h) => (h.oldLines > 0 ? line >= h.oldStart && line < h.oldStart + h.oldLines : line === h.oldStart || line === h.oldStart + 1));
}

/** The frames of open (triggered or acknowledged) alerts that the pushed hunks change; the top frames first. */
export function pushedFrameHits(alerts: readonly AlertWithFrames[], hunksByPath: ReadonlyMap<string, readonly Hunk[]>, max = 5): PushedFrameHit[] {
  const hits: PushedFrameHit[] = [];
  for (const { alert, frames } of alerts) {
    if (alert.status === 'resolved') continue;
    // One hit per alert: its innermost changed frame.
    const i = frames.findIndex((f) => lineChanged(hunksByPath.get(f.path) ?? [], f.line));
    if (i < 0) continue;
    const f = frames[i]!;
    hits.push({ alertId: alert.id, title: alert.title, severity: alert.severity, status: alert.status, path: f.path, line: f.line, index: i });
  }
  const rank: Record<Severity, number> = { critical: 0, high: 1, warning: 2, info: 3 };
  return hits.sort((a, b) => a.index - b.index || rank[a.severity] - rank[b.severity]).slice(0, max);
}

/** "this push changes checkout.ts:12, the top frame of open critical 'checkout-api: 5xx rate 7%'". */
export function pushedFrameText(h: PushedFrameHit, clip: (s: string) => string = (s) => s): string {
  const base = h.path.split('/').pop() ?? h.path;
  const which = h.index === 0 ? 'the top frame' : `frame ${h.index + 1}`;
  const state = h.status === 'acknowledged' ? 'acknowledged' : 'open';
  return `this push changes ${base}:${h.line}, ${which} of ${state} ${h.severity} '${clip(h.title)}'`;
}

/** Commits of a new branch read to find what the remote already has (more: the push is too big to say). */
export const NEW_BRANCH_MAX_COMMITS = 500;

export type NewBranchBase =
  | { kind: 'base'; sha: string }
  /** Several commits the remote has are parents of the new ones: the host asks git which one holds the others. */
  | { kind: 'boundaries'; shas: string[] }
  | { kind: 'none'; why: string };

/**
 * A push that creates a branch (remote sha all zeros) has no range of its own. Its new commits are those not on any
 * branch the remote already has (`git log <local> --not --remotes=<remote>`, newest first, with parents); the
 * commits the remote has that they grow from (parents outside the new set) are the base: one → diff base..local;
 * several (a merge of the default branch into the new one) → the one that contains the others (the host asks git);
 * none — nothing new (the branch points at a commit the remote has), a history with nothing in common, or more
 * than `max` new commits — no range, and why.
 */
export function newBranchBase(commits: ReadonlyArray<{ sha: string; parents: readonly string[] }>, max = NEW_BRANCH_MAX_COMMITS): NewBranchBase {
  if (commits.length === 0) return { kind: 'none', why: 'the new branch adds no commit the remote does not have' };
  if (commits.length > max) return { kind: 'none', why: `the new branch has over ${max} commits the remote does not have` };
  const fresh = new Set(commits.map((c) => c.sha));
  const boundaries: string[] = [];
  for (const c of commits) for (const p of c.parents) if (!fresh.has(p) && !boundaries.includes(p)) boundaries.push(p);
  if (boundaries.length === 0) return { kind: 'none', why: 'the new branch shares no commit with the remote' };
  if (boundaries.length === 1) return { kind: 'base', sha: boundaries[0]! };
  return { kind: 'boundaries', shas: boundaries.slice(0, 20) };
}
