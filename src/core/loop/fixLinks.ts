/**
 * Issue 21 item 3, "fix → watch → resolve" (pure): an alert is linked to the commit(s) that fix it — by a command,
 * a `Fixes-Alert: <id>` commit trailer, or (later) the push guard. When a deploy that contains the fix arrives, the
 * alert is watched: quiet for N minutes after that deploy → offer Resolve; firing again after the fix deployed →
 * say so. This file holds the bounded link store (serialisable for workspaceState, validated when read back), the
 * trailer parser and the watch decision; `host/loop/fixWatch.ts` asks git which deploys contain a fix and shows it.
 */
import type { AlertStatus, Deploy, TimelineEntry } from '../protocol/types';
import { MAX_ID_LENGTH } from '../protocol/schemas';

export const FIX_LINK_LIMITS = {
  /** Links kept; the oldest link goes first when a new one would exceed it. */
  maxLinks: 200,
  /** Fix commits kept per alert (the newest). */
  maxShasPerLink: 10,
  /** Characters of a commit message read for trailers. */
  maxMessageChars: 64_000,
  /** `Fixes-Alert` trailers read from one message. */
  maxTrailersPerMessage: 20,
} as const;

export type FixLinkVia = 'command' | 'trailer' | 'push';
const VIAS: readonly FixLinkVia[] = ['command', 'trailer', 'push'];

export interface FixLink {
  alertId: string;
  /** Full lowercase 40-hex shas, oldest first. */
  shas: string[];
  /** Epoch ms of the (last) link. */
  linkedAt: number;
  via: FixLinkVia;
  /** The alert title when linked (display only; untrusted). */
  title?: string;
  /** Set once the user answered the offer (resolved, or dismissed "still firing") for this deploy id: not asked again. */
  answeredDeployId?: string;
}

const SHA_RE = /^[0-9a-f]{40}$/;

/** An alert id as the protocol accepts it: a non-empty string of at most MAX_ID_LENGTH characters, no control chars. */
export function isValidAlertId(id: unknown): id is string {
  // eslint-disable-next-line no-control-regex
  return typeof id === 'string' && id.length >= 1 && id.length <= MAX_ID_LENGTH && !/[\u0000-\u001f\u007f]/.test(id);
}

/**
 * The alert ids of the `Fixes-Alert: <id>` trailers of a commit message: only in the last paragraph (git's trailer
 * block), exact key (case-insensitive, as git compares trailer keys), one id per trailer, bounded. Untrusted text.
 */
export function parseFixesAlertTrailers(message: string): string[] {
  if (typeof message !== 'string') return [];
  const text = message.slice(0, FIX_LINK_LIMITS.maxMessageChars).replace(/\r\n?/g, '\n').trimEnd();
  const paras = text.split(/\n[ \t]*\n/);
  if (paras.length < 2) return []; // a trailer block follows the subject paragraph
  const block = paras[paras.length - 1]!.split('\n');
  // git's rule: every line of the block is a trailer ("Key: value") or a continuation; else it is no trailer block.
  if (!block.every((l) => /^[A-Za-z0-9-]+:\s/.test(l) || /^[ \t]/.test(l))) return [];
  const out: string[] = [];
  for (const line of block) {
    const m = /^fixes-alert:[ \t]*(\S+)[ \t]*$/i.exec(line);
    if (!m) continue;
    const id = m[1]!;
    if (isValidAlertId(id) && !out.includes(id)) out.push(id);
    if (out.length >= FIX_LINK_LIMITS.maxTrailersPerMessage) break;
  }
  return out;
}

/** The bounded alert → fix-commit store. `toJSON()` is what the host keeps in workspaceState; `fromJSON` validates it. */
export class FixLinkStore {
  private readonly _links = new Map<string, FixLink>();

  constructor(private readonly _now: () => number) {}

  get size(): number {
    return this._links.size;
  }

  get(alertId: string): FixLink | undefined {
    return this._links.get(alertId);
  }

  all(): FixLink[] {
    return [...this._links.values()];
  }

  /** Links `sha` as a fix of `alertId` (again: moves it to newest). Throws on an invalid id or sha. */
  link(alertId: string, sha: string, via: FixLinkVia, title?: string): FixLink {
    if (!isValidAlertId(alertId)) throw new Error('invalid alert id');
    const s = sha.trim().toLowerCase();
    if (!SHA_RE.test(s)) throw new Error(`not a full commit sha: ${sha.slice(0, 50)}`);
    const old = this._links.get(alertId);
    const shas = [...(old?.shas ?? []).filter((x) => x !== s), s].slice(-FIX_LINK_LIMITS.maxShasPerLink);
    const l: FixLink = { alertId, shas, linkedAt: this._now(), via };
    const t = title ?? old?.title;
    if (t !== undefined) l.title = t.slice(0, 200);
    this._links.delete(alertId);
    this._links.set(alertId, l);
    while (this._links.size > FIX_LINK_LIMITS.maxLinks) this._links.delete(this._links.keys().next().value!);
    return l;
  }

  /** The user answered the offer for this deploy (not asked again for it). */
  answered(alertId: string, deployId: string): void {
    const l = this._links.get(alertId);
    if (l) l.answeredDeployId = deployId.slice(0, MAX_ID_LENGTH);
  }

  remove(alertId: string): boolean {
    return this._links.delete(alertId);
  }

  toJSON(): { version: 1; links: FixLink[] } {
    return { version: 1, links: this.all() };
  }

  /** Reads back what `toJSON` wrote (or anything else): bad entries are dropped and reported, the bounds applied. */
  static fromJSON(raw: unknown, now: () => number, report: (m: string) => void = () => undefined): FixLinkStore {
    const store = new FixLinkStore(now);
    if (raw === undefined || raw === null) return store;
    const r = raw as { version?: unknown; links?: unknown };
    if (typeof raw !== 'object' || r.version !== 1 || !Array.isArray(r.links)) {
      report('stored fix links are not in a known format: starting empty');
      return store;
    }
    let dropped = 0;
    for (const e of r.links.slice(-FIX_LINK_LIMITS.maxLinks * 2)) {
      const x = e as Partial<Record<keyof FixLink, unknown>>;
      const ok =
        !!e && typeof e === 'object' && isValidAlertId(x.alertId) && Array.isArray(x.shas) && x.shas.length > 0 &&
        x.shas.every((s) => typeof s === 'string' && SHA_RE.test(s)) && typeof x.linkedAt === 'number' && Number.isFinite(x.linkedAt) &&
        VIAS.includes(x.via as FixLinkVia) && (x.title === undefined || typeof x.title === 'string') &&
        (x.answeredDeployId === undefined || typeof x.answeredDeployId === 'string');
      if (!ok) {
        dropped++;
        continue;
      }
      const l: FixLink = { alertId: x.alertId as string, shas: [...new Set(x.shas as string[])].slice(-FIX_LINK_LIMITS.maxShasPerLink), linkedAt: x.linkedAt as number, via: x.via as FixLinkVia };
      if (typeof x.title === 'string') l.title = x.title.slice(0, 200);
      if (typeof x.answeredDeployId === 'string') l.answeredDeployId = x.answeredDeployId.slice(0, MAX_ID_LENGTH);
      store._links.delete(l.alertId);
      store._links.set(l.alertId, l);
    }
    while (store._links.size > FIX_LINK_LIMITS.maxLinks) store._links.delete(store._links.keys().next().value!);
    if (dropped) report(`dropped ${dropped} invalid stored fix link(s)`);
    return store;
  }
}

/** A deploy as the watch needs it; `containsFix` is the host's answer from git (the fix sha is the deployed sha or an ancestor). */
export interface FixWatchDeploy {
  id: string;
  commitSha: string;
  /** Epoch ms. */
  time: number;
  service?: string;
  /** Undefined when unknown (a tag): matches any environment. */
  environment?: string;
  /** Undefined when unknown (a tag): counts as deployed. `started`, `failed` and `rolledBack` never count. */
  status?: Deploy['status'];
  containsFix: boolean;
}

/**
 * Whether `d` can be the deploy that put the fix in front of `alert`: it finished (a `started`, `failed` or
 * `rolledBack` deploy does not run the fix), of the alert's service and environment (either unknown matches).
 */
export function deployCountsForAlert(d: Pick<FixWatchDeploy, 'service' | 'environment' | 'status'>, alert: Pick<FixWatchAlert, 'service' | 'environment'>): boolean {
  if (d.status !== undefined && d.status !== 'succeeded') return false;
  if (d.service !== undefined && d.service !== alert.service) return false;
  return d.environment === undefined || alert.environment === undefined || d.environment === alert.environment;
}

export interface FixWatchAlert {
  status: AlertStatus;
  service: string;
  environment?: string;
  startedAt: string;
  updatedAt: string;
  timeline?: readonly TimelineEntry[];
}

export type FixWatchState =
  | { kind: 'waiting-for-deploy' }
  | { kind: 'watching'; deploy: FixWatchDeploy; quietUntil: number }
  | { kind: 'quiet'; deploy: FixWatchDeploy; minutesSinceDeploy: number }
  | { kind: 'still-firing'; deploy: FixWatchDeploy; firedAt: number }
  | { kind: 'resolved' }
  | { kind: 'gone' };

/** When the alert (re)triggered at or after `since`, if it did: the timeline's `triggered` entries, else its start. */
export function firedSince(a: FixWatchAlert, since: number): number | undefined {
  const times = (a.timeline ?? []).filter((e) => e.kind === 'triggered').map((e) => Date.parse(e.at)).filter((t) => Number.isFinite(t));
  const started = Date.parse(a.startedAt);
  if (Number.isFinite(started)) times.push(started);
  const after = times.filter((t) => t >= since).sort((x, y) => x - y);
  return after[0];
}

/**
 * The watch decision at `now`: the first finished deploy (by time) of the alert's service and environment
 * (`deployCountsForAlert`) that contains the fix and came
 * after the link's fix commit could have been deployed (any time: a fix linked after it shipped counts too) is "the
 * fix deploy". Before one exists: waiting. After it: if the alert triggered again since that deploy (a `triggered`
 * timeline entry or a start at or after it) and is not resolved → still firing; quiet for `quietMs` since the deploy
 * → quiet (offer Resolve); else watching until the deploy + `quietMs`. A resolved alert needs nothing.
 */
export function decideFixWatch(link: Pick<FixLink, 'shas'>, alert: FixWatchAlert | undefined, deploys: readonly FixWatchDeploy[], quietMs: number, now: number): FixWatchState {
  if (!alert) return { kind: 'gone' };
  if (alert.status === 'resolved') return { kind: 'resolved' };
  const fix = deploys
    .filter((d) => d.containsFix && Number.isFinite(d.time) && d.time <= now && deployCountsForAlert(d, alert))
    .sort((x, y) => x.time - y.time)[0];
  if (!fix || link.shas.length === 0) return { kind: 'waiting-for-deploy' };
  const fired = firedSince(alert, fix.time);
  if (fired !== undefined && alert.status === 'triggered') return { kind: 'still-firing', deploy: fix, firedAt: fired };
  const quietUntil = Math.max(fix.time, fired ?? fix.time) + Math.max(0, quietMs);
  if (now >= quietUntil && alert.status !== 'triggered') return { kind: 'quiet', deploy: fix, minutesSinceDeploy: Math.floor((now - fix.time) / 60_000) };
  // Triggered since before the deploy and still triggered: the fix has not quieted it (yet) — watched until quietUntil,
  // then "still firing" (it did not go quiet).
  if (now >= quietUntil) return { kind: 'still-firing', deploy: fix, firedAt: fired ?? fix.time };
  return { kind: 'watching', deploy: fix, quietUntil };
}

/**
 * What to do once a linked alert stayed quiet after its fix deployed (`decideFixWatch` said `quiet`): ask "Resolve?"
 * (the default), resolve it at once (`oncall.fixWatch.autoResolve`, the user's own opt-in), or — when the source
 * cannot resolve — say why, whatever the setting. No source can reopen an alert through the protocol, so an
 * automatic resolve is told after the fact without an Undo (the message says so).
 */
export type QuietOutcome = { kind: 'ask' } | { kind: 'auto-resolve' } | { kind: 'cannot-resolve'; whyNot: string; autoResolve: boolean };

export function quietOutcome(autoResolve: boolean, whyNotResolve: string | undefined): QuietOutcome {
  if (whyNotResolve !== undefined) return { kind: 'cannot-resolve', whyNot: whyNotResolve, autoResolve };
  return autoResolve ? { kind: 'auto-resolve' } : { kind: 'ask' };
}
