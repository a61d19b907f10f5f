/**
 * PagerDuty change events (`listChangeEvents`, GET /change_events) → protocol `deploy` events.
 *
 * A change event has a summary, a timestamp, its services, links and free-form `custom_details`. What we read
 * (the first that is present wins):
 *  - sha: `custom_details` `sha`, `commit_sha`, `commit`, `git_sha`, `revision`, `after`; else the `…/compare/<a>...<b>`
 *    link PagerDuty's GitHub change-events action (PagerDuty/pagerduty-change-events-action, push events) sends
 *    (b is the sha, a the previous sha); else a `…/commit/<sha>` link;
 *  - previous sha: `previous_sha`, `previous_commit`, `before`; else the compare link;
 *  - environment: `environment`, `env`, `stage`; else "production" (the same default as GitHub deployments);
 *  - author: `author` (a name, or `{name, email}`), `author_name`, `deployer`, `user`, `actor`, `sender`; email
 *    `author_email`; else the "Sender - <login>" / "Merged by - <login>" link text of the GitHub action; else the
 *    event's `source`;
 *  - service: `custom_details` `service`; else the name of the event's first service (as PagerDuty's incidents name
 *    it); else its id;
 *  - url: the first http(s) link; time: `timestamp`; status: `status`, `state`, `build_state` or `deploy_status`
 *    when it is a known word (success/passed/failed/running/…), else none.
 * A change event without a sha is not a deploy the editor can place in git history: it is skipped (and counted).
 */
import type { Deploy } from '../../../core/protocol/types';
import { isoOf } from '../shared/alertHelpers';
import type { PdChangeEvent } from './schemas';

/** `custom_details` `status` / `state` / `build_state` / `deploy_status` words → the deploy's status (else none). */
const STATUS: Record<string, Deploy['status']> = {
  started: 'started',
  running: 'started',
  in_progress: 'started',
  success: 'succeeded',
  succeeded: 'succeeded',
  passed: 'succeeded',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  rolled_back: 'rolledBack',
  rolledback: 'rolledBack',
};
const HEX = /^[0-9a-f]{7,40}$/i;
const MAX_TEXT = 200;

function text(x: unknown): string | undefined {
  if (typeof x === 'string') {
    const t = x.trim();
    return t ? t.slice(0, MAX_TEXT) : undefined;
  }
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  return undefined;
}

function pick(d: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const t = text(d[k]);
    if (t) return t;
  }
  return undefined;
}

function sha(x: string | undefined): string | undefined {
  return x && HEX.test(x) ? x.toLowerCase() : undefined;
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The deploy a change event describes, or undefined (no sha). `serviceName` names a service id (from incidents). */
export function changeEventToDeploy(ev: PdChangeEvent, serviceName: (id: string) => string | undefined, fallbackAt: string): Deploy | undefined {
  const raw = ev.custom_details;
  const d: Record<string, unknown> = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const links = (ev.links ?? []).filter((l): l is { href: string; text?: string | null } => typeof l.href === 'string' && isHttpUrl(l.href));
  let commitSha = sha(pick(d, ['sha', 'commit_sha', 'commit', 'git_sha', 'revision', 'after']));
  let previousSha = sha(pick(d, ['previous_sha', 'previous_commit', 'before']));
  for (const l of links) {
    const m = /\/compare\/([0-9a-f]{7,40})\.\.\.?([0-9a-f]{7,40})(?:[/?#]|$)/i.exec(l.href);
    if (m) {
      commitSha ??= m[2]!.toLowerCase();
      previousSha ??= m[1]!.toLowerCase();
    }
    const c = /\/commits?\/([0-9a-f]{7,40})(?:[/?#]|$)/i.exec(l.href);
    if (c) commitSha ??= c[1]!.toLowerCase();
  }
  if (!commitSha) return undefined;
  const authorObj = d.author && typeof d.author === 'object' ? (d.author as Record<string, unknown>) : undefined;
  const fromLinks = links.map((l) => /^(?:Sender|Merged by) - (.+)$/.exec(l.text ?? '')?.[1]).find((x) => x);
  const name = (authorObj ? pick(authorObj, ['name', 'login', 'username']) : undefined) ?? pick(d, ['author', 'author_name', 'deployer', 'user', 'actor', 'sender']) ?? text(fromLinks) ?? text(ev.source) ?? 'PagerDuty change event';
  const email = (authorObj ? pick(authorObj, ['email']) : undefined) ?? pick(d, ['author_email']);
  const svc = ev.services?.[0];
  const deploy: Deploy = {
    id: `pagerduty:${ev.id}`,
    service: pick(d, ['service']) ?? (svc ? (serviceName(svc.id) ?? text(svc.summary) ?? svc.id) : (text(ev.source) ?? 'unknown service')),
    environment: pick(d, ['environment', 'env', 'stage']) ?? 'production',
    commitSha,
    author: { name, ...(email?.includes('@') ? { email } : {}) },
    deployedAt: isoOf(ev.timestamp) ?? fallbackAt,
  };
  const status = STATUS[(pick(d, ['status', 'state', 'build_state', 'deploy_status']) ?? '').toLowerCase()];
  if (status) deploy.status = status;
  if (previousSha && previousSha !== commitSha) deploy.previousSha = previousSha;
  const url = links[0]?.href;
  if (url && url.length <= 2000) deploy.url = url;
  return deploy;
}
