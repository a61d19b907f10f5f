/**
 * "Stick around after your deploy": for `watchMs` after a deploy event that names me as its author, the
 * status bar watches it, and alerts on that service (and environment) that start during the window are
 * "started after your deploy" — they notify even at a quieter notification level. Pure functions.
 *
 * Only deploy *events* count: a git tag's tagger or commit date says nothing about who pressed the button
 * or when. Every status counts, failed included: a failed rollout is exactly when to stay around (it can
 * leave crashing pods behind), unlike `deployInEffect`, where a failed deploy never shipped its code.
 */
import { environmentKey } from '../../git/deploys';
import type { Alert, Deploy } from '../../protocol/types';
import { matchesIdentity } from '../../schedule/identity';

/** A deploy clock may run ahead of ours: a deploy up to this far "in the future" is treated as now. */
export const DEPLOY_CLOCK_SKEW_MS = 5 * 60_000;

export interface WatchedDeploy {
  deploy: Deploy;
  /** Window start (the deploy time), ms since epoch. */
  start: number;
  /** Window end (exclusive). */
  end: number;
}

export interface WatchingSummary {
  sha: string;
  /** Alerts that started after one of my deploys still being watched. */
  newAlerts: number;
  msLeft: number;
}

/** Whether the deploy event names `identity` (email, handle or name; case-insensitive) as its author. */
export function isMyDeploy(deploy: Pick<Deploy, 'author'>, identity: string): boolean {
  const a = deploy.author as Deploy['author'] | undefined;
  if (identity.trim() === '' || a === undefined || typeof a.name !== 'string') return false;
  const person: { name: string; email?: string } = { name: a.name };
  if (typeof a.email === 'string') person.email = a.email;
  return matchesIdentity(person, identity);
}

function windowOf(d: Deploy, watchMs: number): WatchedDeploy | undefined {
  const t = Date.parse(d.deployedAt);
  if (!Number.isFinite(t)) return undefined;
  return { deploy: d, start: t, end: t + watchMs };
}

/** My deploys whose watch window is open at `now`, newest first. */
export function openWatchWindows(deploys: readonly Deploy[], identity: string, now: number, watchMs: number): WatchedDeploy[] {
  if (!(watchMs > 0)) return [];
  const out: WatchedDeploy[] = [];
  for (const d of deploys) {
    if (!isMyDeploy(d, identity)) continue;
    const w = windowOf(d, watchMs);
    if (w === undefined) continue;
    if (now >= w.start - DEPLOY_CLOCK_SKEW_MS && now < w.end) out.push(w);
  }
  return out.sort((a, b) => b.start - a.start || (a.deploy.id < b.deploy.id ? -1 : 1));
}

function sameService(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The deploy of mine that the alert "started after": same service, same environment when both say one,
 * and the alert started inside the deploy's window. The newest such deploy when there are several.
 */
export function myDeployBefore(
  alert: Pick<Alert, 'service' | 'startedAt'> & Partial<Pick<Alert, 'environment'>>,
  deploys: readonly Deploy[],
  identity: string,
  watchMs: number,
): WatchedDeploy | undefined {
  if (!(watchMs > 0)) return undefined;
  const started = Date.parse(alert.startedAt);
  if (!Number.isFinite(started)) return undefined;
  let best: WatchedDeploy | undefined;
  for (const d of deploys) {
    if (!isMyDeploy(d, identity)) continue;
    const w = windowOf(d, watchMs);
    if (w === undefined || !startedIn(alert, started, w)) continue;
    if (best === undefined || w.start > best.start) best = w;
  }
  return best;
}

function startedIn(alert: Pick<Alert, 'service'> & Partial<Pick<Alert, 'environment'>>, started: number, w: WatchedDeploy): boolean {
  const d = w.deploy;
  if (typeof d.service !== 'string' || !sameService(d.service, alert.service)) return false;
  if (alert.environment && d.environment && environmentKey(alert.environment) !== environmentKey(d.environment)) return false;
  return started >= w.start && started < w.end;
}

/** What the status bar shows while one of my deploys is being watched (the newest one names the sha). */
export function watchingSummary(
  deploys: readonly Deploy[],
  alerts: Iterable<Alert>,
  identity: string,
  now: number,
  watchMs: number,
): WatchingSummary | undefined {
  const open = openWatchWindows(deploys, identity, now, watchMs);
  const newest = open[0];
  if (newest === undefined) return undefined;
  // Called on every status bar update: check each alert against the few open windows only. (The newest
  // matching deploy of an alert is open whenever an older matching one is: all windows are equally long.)
  let newAlerts = 0;
  for (const a of alerts) {
    const started = Date.parse(a.startedAt);
    if (Number.isFinite(started) && open.some((w) => startedIn(a, started, w))) newAlerts++;
  }
  return { sha: newest.deploy.commitSha, newAlerts, msLeft: Math.min(watchMs, Math.max(0, newest.end - now)) };
}

/** When the next open window closes (to update the status bar then), or undefined when none is open. */
export function nextWindowEnd(deploys: readonly Deploy[], identity: string, now: number, watchMs: number): number | undefined {
  const ends = openWatchWindows(deploys, identity, now, watchMs).map((w) => w.end);
  return ends.length === 0 ? undefined : Math.min(...ends);
}
