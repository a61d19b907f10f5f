/**
 * Deploy events from CI/CD, whatever the alert source: three webhook routes that turn a finished (or
 * started) deploy into a protocol `deploy` event for every connected editor.
 *
 *  - `POST /webhooks/deploy`: our own documented JSON body (README "Deploys from CI/CD"), signed
 *    `X-Oncall-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Oncall-Timestamp>.<raw body>")>`; the
 *    timestamp (unix seconds) must be within the tolerance (default 5 min) of the bridge's clock.
 *  - `POST /webhooks/github`: GitHub `deployment_status` events, `X-Hub-Signature-256: sha256=<hex
 *    HMAC-SHA256(secret, raw body)>`, de-duplicated on `X-GitHub-Delivery`.
 *  - `POST /webhooks/gitlab`: GitLab deployment events (`object_kind: "deployment"`), authenticated by
 *    the shared `X-Gitlab-Token`, de-duplicated on `X-Gitlab-Event-UUID`.
 *
 * Replay: every accepted delivery id (or, for our route, the signature) is remembered (bounded), and a
 * GitHub/GitLab event whose own time is older than `maxEventAgeMs` (default 1 h) is refused, so a
 * captured delivery cannot be re-posted later. Secrets are compared in constant time. The routes are
 * for servers, never browsers: a request with an `Origin` header or `Sec-Fetch-Site` other than "none"
 * is refused, and the body must be `application/json`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as v from 'valibot';
import type { Deploy } from '../../core/protocol/types';
import { DeploySchema } from '../../core/protocol/schemas';
import type { Clock } from '../../core/util/clock';
import type { Logger } from '../../core/util/logger';
import { BoundedSet } from '../sources/shared/alertHelpers';
import type { HttpRequestInfo, HttpResponseInfo, Route } from '../sources/types';
import { errorText } from '../../core/util/errors';

export interface DeployWebhookOptions {
  /** Receives every accepted deploy (the bridge: `world.addDeploy`). */
  addDeploy: (d: Deploy) => void;
  clock: Clock;
  logger: Logger;
  /** Enables POST /webhooks/deploy. */
  deploySecret?: string;
  /** Enables POST /webhooks/github. */
  githubSecret?: string;
  /** Enables POST /webhooks/gitlab. */
  gitlabToken?: string;
  /** POST /webhooks/deploy: allowed |now − X-Oncall-Timestamp|. Default 300 s. */
  toleranceMs?: number;
  /** GitHub/GitLab: oldest event time accepted. Default 1 h. */
  maxEventAgeMs?: number;
}

export const DEPLOY_PATH = '/webhooks/deploy';
export const GITHUB_PATH = '/webhooks/github';
export const GITLAB_PATH = '/webhooks/gitlab';
const MAX_BODY = 1024 * 1024; // GitHub payloads carry the whole repository object
const FUTURE_SKEW_MS = 5 * 60_000;

const str = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max));
const optStr = (max: number) => v.optional(v.nullable(v.pipe(v.string(), v.maxLength(max))));

/** The body of POST /webhooks/deploy (documented in the README). */
export const DeployBodySchema = v.object({
  id: v.optional(str(200)),
  service: str(200),
  environment: str(100),
  sha: v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{7,40}$/, 'sha must be 7–40 hex characters')),
  previousSha: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{7,40}$/, 'previousSha must be 7–40 hex characters')))),
  author: v.object({ name: str(200), email: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(320)))) }),
  time: v.optional(v.pipe(v.string(), v.check((s) => !Number.isNaN(Date.parse(s)), 'time must be an ISO 8601 date'))),
  url: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(2000)))),
  status: v.optional(v.picklist(['started', 'succeeded', 'failed', 'rolledBack'] as const)),
});

const GhUser = v.nullable(v.object({ login: v.string() }));
/** The fields of GitHub's `deployment_status` webhook we read. */
export const GitHubDeploymentStatusSchema = v.object({
  action: v.optional(v.string()),
  deployment_status: v.object({
    id: v.number(),
    state: v.string(),
    environment: optStr(100),
    environment_url: optStr(2000),
    log_url: optStr(2000),
    target_url: optStr(2000),
    created_at: v.string(),
    updated_at: v.optional(v.string()),
    creator: v.optional(GhUser),
  }),
  deployment: v.object({
    id: v.number(),
    sha: v.string(),
    environment: optStr(100),
    created_at: v.optional(v.string()),
    creator: v.optional(GhUser),
  }),
  repository: v.object({ name: v.string(), full_name: v.string() }),
});

/** The fields of GitLab's deployment event we read. */
export const GitLabDeploymentSchema = v.object({
  object_kind: v.literal('deployment'),
  status: v.string(),
  status_changed_at: v.string(),
  deployment_id: v.number(),
  deployable_url: optStr(2000),
  environment: str(100),
  environment_external_url: optStr(2000),
  project: v.object({ name: v.string(), path_with_namespace: v.string(), web_url: v.optional(v.string()) }),
  short_sha: v.optional(v.string()),
  commit_url: optStr(2000),
  user: v.optional(v.nullable(v.object({ name: v.optional(v.string()), username: v.optional(v.string()), email: v.optional(v.nullable(v.string())) }))),
});

const GITHUB_STATE: Record<string, Deploy['status'] | undefined> = {
  queued: 'started',
  pending: 'started',
  in_progress: 'started',
  success: 'succeeded',
  failure: 'failed',
  error: 'failed',
};
const GITLAB_STATUS: Record<string, Deploy['status'] | undefined> = { running: 'started', success: 'succeeded', failed: 'failed', canceled: 'failed' };

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The routes for the secrets given (none without any). Register them with `BridgeServer.addRoute`. */
export function deployWebhookRoutes(opts: DeployWebhookOptions): Route[] {
  const seen = new BoundedSet(5000);
  const rejected = new Map<string, number>();
  const tolerance = opts.toleranceMs ?? 300_000;
  const maxAge = opts.maxEventAgeMs ?? 3_600_000;

  const warnRejected = (route: string, why: string): void => {
    const n = (rejected.get(route) ?? 0) + 1;
    rejected.set(route, n);
    // Logged once, then every 100th: a misconfigured sender must not flood the log.
    if (n === 1 || n % 100 === 0) opts.logger.warn(`rejected a deploy webhook on ${route}: ${why} (${n} rejected so far)`);
  };

  const route = (path: string, handle: (req: HttpRequestInfo) => HttpResponseInfo): Route => ({
    method: 'POST',
    path,
    auth: 'none',
    maxBodyBytes: MAX_BODY,
    providesDeploys: true,
    handle: (req) => {
      try {
        refuseBrowsers(req);
        return Promise.resolve(handle(req));
      } catch (e) {
        if (e instanceof Refused) {
          warnRejected(path, e.message);
          return Promise.resolve({ status: e.status, body: { error: e.message } });
        }
        throw e;
      }
    },
  });

  const accept = (deliveryKey: string, d: Deploy, what: string): HttpResponseInfo => {
    const ok = v.safeParse(DeploySchema, d);
    if (!ok.success) throw new Refused(400, `${what}: not a valid deploy: ${issue(ok.issues)}`);
    seen.add(deliveryKey);
    opts.addDeploy(ok.output);
    opts.logger.info(`deploy ${d.status ?? ''} ${d.service}@${d.commitSha.slice(0, 12)} to ${d.environment} (${what})`);
    return { status: 202, body: { ok: true, id: d.id } };
  };

  const checkAge = (iso: string | undefined, what: string): void => {
    const at = iso === undefined ? NaN : Date.parse(iso);
    if (Number.isNaN(at)) throw new Refused(400, `${what}: the event has no readable time`);
    const now = opts.clock.now();
    if (at < now - maxAge || at > now + FUTURE_SKEW_MS) throw new Refused(401, `${what}: the event time ${new Date(at).toISOString()} is outside the accepted window (replayed or clock skew)`);
  };

  const routes: Route[] = [];

  if (opts.deploySecret) {
    const secret = opts.deploySecret;
    routes.push(
      route(DEPLOY_PATH, (req) => {
        const ts = header(req, 'x-oncall-timestamp');
        const sig = header(req, 'x-oncall-signature');
        if (!ts || !sig) throw new Refused(401, 'missing X-Oncall-Timestamp or X-Oncall-Signature');
        if (!/^\d{1,12}$/.test(ts.trim())) throw new Refused(401, 'X-Oncall-Timestamp must be unix seconds');
        const tsMs = Number(ts.trim()) * 1000;
        if (Math.abs(opts.clock.now() - tsMs) > tolerance) throw new Refused(401, `X-Oncall-Timestamp is more than ${Math.round(tolerance / 1000)} s away from the bridge's clock (replayed, or the sender's clock is off)`);
        if (!verifyHmac(sig, secret, Buffer.concat([Buffer.from(`${ts.trim()}.`), req.body]))) throw new Refused(401, 'the signature does not match (check ONCALL_DEPLOY_WEBHOOK_SECRET / --deploy-webhook-secret-file)');
        const key = `deploy:${header(req, 'x-oncall-delivery') ?? sig.toLowerCase()}`;
        if (seen.has(key)) return { status: 202, body: { ok: true, duplicate: true } };
        const b = v.safeParse(DeployBodySchema, parseJson(req.body), { abortEarly: true });
        if (!b.success) throw new Refused(400, `not a deploy body: ${issue(b.issues)}`);
        const o = b.output;
        const d: Deploy = {
          id: o.id ?? `${o.service}:${o.environment}:${o.sha.toLowerCase()}`,
          service: o.service,
          environment: o.environment,
          commitSha: o.sha.toLowerCase(),
          author: { name: o.author.name, ...(o.author.email ? { email: o.author.email } : {}) },
          deployedAt: new Date(o.time ? Date.parse(o.time) : tsMs).toISOString(),
          status: o.status ?? 'succeeded',
        };
        if (o.previousSha) d.previousSha = o.previousSha.toLowerCase();
        if (o.url && isHttpUrl(o.url)) d.url = o.url;
        return accept(key, d, DEPLOY_PATH);
      }),
    );
  }

  if (opts.githubSecret) {
    const secret = opts.githubSecret;
    routes.push(
      route(GITHUB_PATH, (req) => {
        const sig = header(req, 'x-hub-signature-256');
        if (!sig) throw new Refused(401, 'missing X-Hub-Signature-256 (set the webhook secret in GitHub)');
        if (!verifyHmac(sig, secret, req.body)) throw new Refused(401, 'the signature does not match (check --github-webhook-secret-file)');
        const event = header(req, 'x-github-event');
        if (event === 'ping') return { status: 200, body: { ok: true } };
        if (event !== 'deployment_status') return { status: 202, body: { ok: true, ignored: event ?? 'no X-GitHub-Event' } };
        const delivery = header(req, 'x-github-delivery');
        const key = `github:${delivery ?? createHash('sha256').update(req.body).digest('hex')}`;
        if (seen.has(key)) return { status: 202, body: { ok: true, duplicate: true } };
        const p = v.safeParse(GitHubDeploymentStatusSchema, parseJson(req.body), { abortEarly: true });
        if (!p.success) throw new Refused(400, `not a GitHub deployment_status event: ${issue(p.issues)}`);
        const { deployment_status: st, deployment: dep, repository: repo } = p.output;
        const status = GITHUB_STATE[st.state];
        if (!status) return { status: 202, body: { ok: true, ignored: `state ${st.state}` } };
        const statusKey = `github-status:${repo.full_name}:${st.id}`;
        if (seen.has(statusKey)) return { status: 202, body: { ok: true, duplicate: true } };
        const at = st.updated_at ?? st.created_at;
        checkAge(at, GITHUB_PATH);
        const creator = st.creator?.login ?? dep.creator?.login ?? 'GitHub';
        const d: Deploy = {
          id: `github:${repo.full_name}:${dep.id}`,
          service: repo.name,
          environment: st.environment || dep.environment || 'production',
          commitSha: dep.sha.toLowerCase(),
          author: { name: creator },
          deployedAt: new Date(Date.parse(at)).toISOString(),
          status,
        };
        const url = [st.environment_url, st.log_url, st.target_url].find((u) => u && isHttpUrl(u));
        if (url) d.url = url;
        seen.add(statusKey);
        return accept(key, d, GITHUB_PATH);
      }),
    );
  }

  if (opts.gitlabToken) {
    const expected = createHash('sha256').update(opts.gitlabToken).digest();
    routes.push(
      route(GITLAB_PATH, (req) => {
        const token = header(req, 'x-gitlab-token');
        if (token === undefined) throw new Refused(401, 'missing X-Gitlab-Token (set the secret token in GitLab)');
        // Hash both sides: equal lengths for timingSafeEqual, nothing learned from the length.
        if (!timingSafeEqual(createHash('sha256').update(token).digest(), expected)) throw new Refused(401, 'X-Gitlab-Token does not match (check --gitlab-webhook-token-file)');
        const json = parseJson(req.body);
        if (!json || typeof json !== 'object' || (json as { object_kind?: unknown }).object_kind !== 'deployment') {
          const kind = json && typeof json === 'object' ? (json as { object_kind?: unknown }).object_kind : undefined;
          return { status: 202, body: { ok: true, ignored: typeof kind === 'string' ? kind : 'no object_kind' } };
        }
        const uuid = header(req, 'x-gitlab-event-uuid');
        const key = `gitlab:${uuid ?? createHash('sha256').update(req.body).digest('hex')}`;
        if (seen.has(key)) return { status: 202, body: { ok: true, duplicate: true } };
        const p = v.safeParse(GitLabDeploymentSchema, json, { abortEarly: true });
        if (!p.success) throw new Refused(400, `not a GitLab deployment event: ${issue(p.issues)}`);
        const e = p.output;
        const status = GITLAB_STATUS[e.status];
        if (!status) return { status: 202, body: { ok: true, ignored: `status ${e.status}` } };
        const at = gitlabTime(e.status_changed_at);
        checkAge(at, GITLAB_PATH);
        // The payload has short_sha; the full one is the last segment of commit_url.
        const full = /\/commit\/([0-9a-f]{40})(?:[/?#]|$)/i.exec(e.commit_url ?? '')?.[1];
        const sha = (full ?? e.short_sha ?? '').toLowerCase();
        const email = e.user?.email && e.user.email.includes('@') ? e.user.email : undefined; // GitLab may send "[REDACTED]"
        const d: Deploy = {
          id: `gitlab:${e.project.path_with_namespace}:${e.deployment_id}`,
          service: e.project.name,
          environment: e.environment,
          commitSha: sha,
          author: { name: e.user?.name || e.user?.username || 'GitLab', ...(email ? { email } : {}) },
          deployedAt: at!,
          status,
        };
        const url = [e.deployable_url, e.environment_external_url].find((u) => u && isHttpUrl(u));
        if (url) d.url = url;
        return accept(key, d, GITLAB_PATH);
      }),
    );
  }
  return routes;
}

/** Browsers send Origin on cross-site POSTs and Sec-Fetch-Site on every request; CI senders send neither. */
function refuseBrowsers(req: HttpRequestInfo): void {
  const site = header(req, 'sec-fetch-site');
  if (header(req, 'origin') !== undefined || (site !== undefined && site !== 'none')) throw new Refused(403, 'browser-originated requests are refused');
  const ct = header(req, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(ct.trim())) throw new Refused(415, 'the body must be sent as Content-Type: application/json');
}

function header(req: HttpRequestInfo, name: string): string | undefined {
  const h = req.headers[name];
  return Array.isArray(h) ? h[0] : h;
}

/** `sha256=<64 hex>` against HMAC-SHA256(secret, data), constant-time. */
export function verifyHmac(headerValue: string, secret: string, data: Buffer): boolean {
  const m = /^\s*sha256=([0-9a-fA-F]{64})\s*$/.exec(headerValue);
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1], 'hex');
  const expected = createHmac('sha256', secret).update(data).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The X-Oncall-Signature value for a body sent at `timestampSec` (tests, and the README's recipe). */
export function deploySignature(secret: string, timestampSec: number, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex')}`;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw new Refused(400, `the body is not valid JSON (${errorText(e)})`);
  }
}

/** GitLab writes "2021-04-28 21:50:00 +0200" (also accepts ISO). */
function gitlabTime(s: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  const iso = m ? `${m[1]}T${m[2]}${!m[3] || m[3] === 'UTC' ? 'Z' : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3]}` : s;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

function issue(issues: readonly v.BaseIssue<unknown>[]): string {
  const i = issues[0];
  const path = i?.path?.map((p) => String(p.key)).join('.');
  return `${path ? `${path}: ` : ''}${i?.message ?? 'invalid'}`;
}
