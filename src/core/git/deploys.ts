/**
 * Deploy history: protocol Deploy events merged with deploys inferred from git tags, and the question
 * "which deploy was live when this alert started, and what did it ship?".
 *
 * Tags are best effort: a tag name says at most which service/environment it was for (by a configured
 * regex, or by a heuristic on its words), and its date is the tagger date (annotated) or the commit date
 * (lightweight, which is only when the code was committed, not when it shipped). Events win over tags.
 */
import safeRegex from 'safe-regex2';
import type { Alert, Deploy, DeployAuthor } from '../protocol/types';
import type { GitRepository, QueryOptions } from './gitRepository';
import { DEFAULT_TAG_PATTERNS } from './gitRepository';
import { safeExec } from '../deploy/commandRegex';
import { globMatch } from '../util/glob';
import type { TagInfo } from './types';
import { GitInputError, assertTagGlob, isSha, sameSha } from './validate';

export interface TagRule {
  /** Glob for `git for-each-ref refs/tags/<glob>`, e.g. `deploy-*`. */
  glob: string;
  /**
   * Optional regex on the tag name with named groups `service` and/or `environment`, e.g.
   * `^deploy-(?<environment>[a-z]+)-(?<service>[a-z-]+)-\d+$`. Checked with safe-regex2 (no catastrophic
   * backtracking) because it can come from workspace settings.
   */
  regex?: string;
}

export const DEFAULT_TAG_RULES: readonly TagRule[] = DEFAULT_TAG_PATTERNS.map((glob) => ({ glob }));

export interface DeployRecord {
  id: string;
  /** Undefined when only a tag knew of this deploy and its name did not say. Matches any service then. */
  service?: string;
  /** Undefined when unknown (tag without an environment word). */
  environment?: string;
  /** Lowercase hex. */
  commitSha: string;
  previousSha?: string;
  author?: DeployAuthor;
  /** ISO time. */
  deployedAt: string;
  /** `deployedAt` in ms since epoch. */
  time: number;
  url?: string;
  status?: Deploy['status'];
  origin: 'event' | 'tag' | 'event+tag';
  /** Tags naming this deploy's commit. */
  tags: string[];
  /** Where `time` comes from. */
  dateSource: 'event' | 'tagger' | 'commit';
}

export interface CompiledTagRule {
  glob: string;
  globRe: { test(name: string): boolean };
  /** Literal text before the first `*` (stripped before the word heuristic). */
  prefix: string;
  regex?: RegExp;
}

/** Validates and compiles tag rules. Throws GitInputError for an invalid glob or an unsafe/invalid regex. */
export function compileTagRules(rules: readonly TagRule[] = DEFAULT_TAG_RULES): CompiledTagRule[] {
  return rules.map((r) => {
    const glob = assertTagGlob(r.glob);
    // for-each-ref's `*` does not cross `/`.
    // for-each-ref's `*` does not cross `/`, and neither does `**` here. Not a regex: see globMatch.
    const globRe = { test: (name: string): boolean => globMatch(glob, name, { doubleStar: false }) };
    const c: CompiledTagRule = { glob, globRe, prefix: glob.split('*')[0] ?? '' };
    if (r.regex !== undefined) {
      if (r.regex.length > 500) throw new GitInputError(`tag regex for ${glob} is too long`);
      let re: RegExp;
      try {
        re = new RegExp(r.regex);
      } catch (e) {
        throw new GitInputError(`invalid tag regex for ${glob}: ${(e as Error).message}`);
      }
      if (!safeRegex(re)) throw new GitInputError(`tag regex for ${glob} may backtrack catastrophically; simplify it`);
      c.regex = re;
    }
    return c;
  });
}

/** Environment words recognised in tag names, with the canonical key used to compare environments. */
const ENV_ALIASES: Record<string, string> = {
  prod: 'production',
  prd: 'production',
  production: 'production',
  live: 'production',
  staging: 'staging',
  stage: 'staging',
  stg: 'staging',
  dev: 'development',
  development: 'development',
  qa: 'qa',
  test: 'test',
  testing: 'test',
  uat: 'uat',
  preprod: 'preprod',
  canary: 'canary',
  sandbox: 'sandbox',
  demo: 'demo',
  perf: 'perf',
};

/** Canonical environment key: `prod`, `PRD` and `production` compare equal. */
export function environmentKey(env: string): string {
  const e = env.trim().toLowerCase();
  return ENV_ALIASES[e] ?? e;
}

function serviceKey(s: string): string {
  return s.trim().toLowerCase();
}

/** Words that are versions, dates, timestamps or counters rather than names. */
function isVersionish(word: string): boolean {
  return /^v?\d/.test(word) || /^\d/.test(word) || /^(rc|build|release|deploy|tag)\d*$/i.test(word);
}

/**
 * Service/environment from a tag name: the rule's regex groups when it has them; otherwise the words after
 * the glob's literal prefix, environment words recognised, version-like words dropped, the rest joined
 * as the service (`deploy-cart-api-prod-20240501` → service `cart-api`, environment `prod`).
 */
export function parseTagName(name: string, rules: readonly CompiledTagRule[]): { rule?: CompiledTagRule; service?: string; environment?: string } {
  const rule = rules.find((r) => r.globRe.test(name));
  if (rule === undefined) return {};
  if (rule.regex !== undefined) {
    const m = safeExec(rule.regex, name); // time-limited: the regex comes from settings
    const out: { rule?: CompiledTagRule; service?: string; environment?: string } = { rule };
    const s = m?.groups?.service;
    const e = m?.groups?.environment;
    if (s !== undefined && s !== '') out.service = s;
    if (e !== undefined && e !== '') out.environment = e;
    return out;
  }
  const words = name.slice(rule.prefix.length).split(/[-/_]/).filter((w) => w !== '');
  let environment: string | undefined;
  const service: string[] = [];
  for (const w of words) {
    if (environment === undefined && ENV_ALIASES[w.toLowerCase()] !== undefined) environment = w;
    else if (!isVersionish(w)) service.push(w);
  }
  const out: { rule?: CompiledTagRule; service?: string; environment?: string } = { rule };
  if (service.length > 0) out.service = service.join('-');
  if (environment !== undefined) out.environment = environment;
  return out;
}

function fromEvent(d: Deploy): DeployRecord | undefined {
  const sha = typeof d.commitSha === 'string' ? d.commitSha.trim().toLowerCase() : '';
  const time = Date.parse(d.deployedAt);
  if (!isSha(sha) || !Number.isFinite(time) || typeof d.service !== 'string') return undefined;
  const r: DeployRecord = {
    id: d.id,
    service: d.service,
    commitSha: sha,
    author: d.author,
    deployedAt: new Date(time).toISOString(),
    time,
    origin: 'event',
    tags: [],
    dateSource: 'event',
  };
  if (typeof d.environment === 'string' && d.environment !== '') r.environment = d.environment;
  const prev = typeof d.previousSha === 'string' ? d.previousSha.trim().toLowerCase() : undefined;
  if (prev !== undefined && isSha(prev)) r.previousSha = prev;
  if (d.url !== undefined) r.url = d.url;
  if (d.status !== undefined) r.status = d.status;
  return r;
}

/** A deploy inferred from one tag (undefined when no rule matches its name). */
export function deployFromTag(tag: TagInfo, rules: readonly CompiledTagRule[]): DeployRecord | undefined {
  const parsed = parseTagName(tag.name, rules);
  if (parsed.rule === undefined) return undefined;
  const r: DeployRecord = {
    id: `tag:${tag.name}`,
    commitSha: tag.targetSha,
    deployedAt: new Date(tag.date).toISOString(),
    time: tag.date,
    origin: 'tag',
    tags: [tag.name],
    dateSource: tag.dateSource,
  };
  if (parsed.service !== undefined) r.service = parsed.service;
  if (parsed.environment !== undefined) r.environment = parsed.environment;
  if (tag.tagger !== undefined) r.author = { name: tag.tagger.name, email: tag.tagger.email };
  return r;
}

function compatible(a: string | undefined, b: string | undefined, key: (s: string) => string): boolean {
  return a === undefined || b === undefined || key(a) === key(b);
}

/**
 * One deploy list from events and tags, oldest first:
 *  - events with the same id: the last one given wins (a later status update);
 *  - events with the same service, environment, sha and time but different ids: the first is kept;
 *  - a tag on the commit of a compatible event (same sha, service/environment equal or unknown) is attached
 *    to that event (`origin: 'event+tag'`) instead of becoming a deploy of its own;
 *  - other tags matching a rule become `origin: 'tag'` deploys.
 * Events with an invalid sha or time are dropped.
 */
export function mergeDeploys(events: readonly Deploy[], tags: readonly TagInfo[] = [], rules: readonly TagRule[] | readonly CompiledTagRule[] = DEFAULT_TAG_RULES): DeployRecord[] {
  const compiled = rules.length > 0 && 'globRe' in (rules[0] as object) ? (rules as readonly CompiledTagRule[]) : compileTagRules(rules as readonly TagRule[]);
  const byId = new Map<string, DeployRecord>();
  for (const e of events) {
    const r = fromEvent(e);
    if (r === undefined) continue;
    byId.delete(r.id);
    byId.set(r.id, r);
  }
  const seen = new Set<string>();
  const out: DeployRecord[] = [];
  for (const r of byId.values()) {
    const k = JSON.stringify([serviceKey(r.service ?? ''), environmentKey(r.environment ?? ''), r.commitSha.slice(0, 7), r.time]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  const eventRecords = [...out];
  for (const tag of tags) {
    const t = deployFromTag(tag, compiled);
    if (t === undefined) continue;
    const matches = eventRecords.filter(
      (e) => sameSha(e.commitSha, t.commitSha) && compatible(e.service, t.service, serviceKey) && compatible(e.environment, t.environment, environmentKey),
    );
    if (matches.length > 0) {
      for (const m of matches) {
        if (!m.tags.includes(tag.name)) m.tags.push(tag.name);
        m.origin = 'event+tag';
      }
      continue;
    }
    out.push(t);
  }
  return out.sort((a, b) => a.time - b.time || (a.origin === 'tag' ? 1 : 0) - (b.origin === 'tag' ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Reads the tags of the repository and merges them with the events (see mergeDeploys). */
export async function loadDeployHistory(
  repo: GitRepository,
  events: readonly Deploy[],
  rules: readonly TagRule[] = DEFAULT_TAG_RULES,
  opts: QueryOptions = {},
): Promise<DeployRecord[]> {
  const compiled = compileTagRules(rules);
  const tags = compiled.length === 0 ? [] : await repo.tags(compiled.map((r) => r.glob), opts);
  return mergeDeploys(events, tags, compiled);
}

export type DeployInEffect =
  | {
      found: true;
      deploy: DeployRecord;
      /** The deploy the range starts from, when it was taken from history rather than the event. */
      previous?: DeployRecord;
      /** What this deploy shipped: `from..to`. Absent when nothing earlier is known. */
      range?: { from: string; to: string; fromSource: 'event' | 'previous-deploy' };
      serviceMatch: 'exact' | 'deploy-has-no-service';
      environmentMatch: 'exact' | 'any-environment' | 'deploy-has-no-environment';
      /** Human-readable explanation of the choice ("alert has no environment: used ..."). */
      notes: string[];
    }
  | { found: false; reason: string };

type AlertLike = Pick<Alert, 'service' | 'startedAt'> & Partial<Pick<Alert, 'environment' | 'commitSha'>>;

function short(sha: string): string {
  return sha.slice(0, 7);
}

/**
 * The deploy in effect when the alert started: the latest deploy of the alert's service and environment
 * with `deployedAt <= startedAt` (a deploy at the very same instant counts as live). Failed deploys never
 * took effect and are skipped; `started` and `rolledBack` ones count (they were live from `deployedAt` until
 * the next deploy, which is how a rollback shows up). Deploys whose service/environment is unknown (tags) are used only when no
 * exact match exists, and the result says so. When the alert has no environment, any environment is
 * accepted (and said). The range is `previousSha..commitSha` from the event, else from the previous
 * deploy of the same service/environment with a different commit.
 */
export function deployInEffect(alert: AlertLike, deploys: readonly DeployRecord[]): DeployInEffect {
  const at = Date.parse(alert.startedAt);
  if (!Number.isFinite(at)) return { found: false, reason: `alert start time ${JSON.stringify(alert.startedAt)} is not a valid time` };
  const svc = serviceKey(alert.service);
  const env = alert.environment !== undefined && alert.environment !== '' ? environmentKey(alert.environment) : undefined;
  const notes: string[] = [];
  const live = deploys.filter((d) => d.status !== 'failed');

  type Tier = { serviceMatch: 'exact' | 'deploy-has-no-service'; environmentMatch: 'exact' | 'any-environment' | 'deploy-has-no-environment'; pool: DeployRecord[] };
  const tiers: Tier[] = [];
  for (const serviceMatch of ['exact', 'deploy-has-no-service'] as const) {
    const bySvc = live.filter((d) => (serviceMatch === 'exact' ? d.service !== undefined && serviceKey(d.service) === svc : d.service === undefined));
    if (env === undefined) {
      tiers.push({ serviceMatch, environmentMatch: 'any-environment', pool: bySvc });
    } else {
      tiers.push({ serviceMatch, environmentMatch: 'exact', pool: bySvc.filter((d) => d.environment !== undefined && environmentKey(d.environment) === env) });
      tiers.push({ serviceMatch, environmentMatch: 'deploy-has-no-environment', pool: bySvc.filter((d) => d.environment === undefined) });
    }
  }

  for (const tier of tiers) {
    const before = tier.pool.filter((d) => d.time <= at);
    const deploy = latest(before);
    if (deploy === undefined) continue;
    if (tier.environmentMatch === 'any-environment') {
      notes.push(`alert has no environment: used the latest deploy of ${alert.service} in any environment (${deploy.environment ?? 'unknown'})`);
    } else if (tier.environmentMatch === 'deploy-has-no-environment') {
      notes.push(`no deploy of ${alert.service} to ${alert.environment ?? ''} found; used ${deploy.id}, whose environment is unknown`);
    }
    if (tier.serviceMatch === 'deploy-has-no-service') notes.push(`no deploy event for ${alert.service}; used ${deploy.id}, whose service is unknown`);
    if (deploy.dateSource === 'commit') notes.push(`${deploy.id} is a lightweight tag: its time is the commit time, not the deploy time`);
    const skipped = deploys.filter((d) => d.status === 'failed' && d.time <= at && d.time > deploy.time && sameTarget(d, deploy));
    for (const s of skipped) notes.push(`skipped failed deploy ${s.id} at ${s.deployedAt}`);
    if (alert.commitSha !== undefined && isSha(alert.commitSha.toLowerCase()) && !sameSha(alert.commitSha.toLowerCase(), deploy.commitSha)) {
      notes.push(`alert reports commit ${short(alert.commitSha)} but the deploy in effect is ${short(deploy.commitSha)}`);
    }
    const result: DeployInEffect = { found: true, deploy, serviceMatch: tier.serviceMatch, environmentMatch: tier.environmentMatch, notes };
    if (deploy.previousSha !== undefined) {
      result.range = { from: deploy.previousSha, to: deploy.commitSha, fromSource: 'event' };
    } else {
      // Same service/environment as the chosen deploy (not the alert's tier when "any environment").
      const earlier = tier.pool.filter((d) => sameTarget(d, deploy) && d !== deploy && (d.time < deploy.time || (d.time === deploy.time && tier.pool.indexOf(d) < tier.pool.indexOf(deploy))));
      const prevAny = latest(earlier);
      const prev = latest(earlier.filter((d) => !sameSha(d.commitSha, deploy.commitSha)));
      if (prev !== undefined) {
        if (prevAny !== undefined && prevAny !== prev) notes.push(`${deploy.id} redeployed commit ${short(deploy.commitSha)}; range starts at the last deploy of a different commit (${prev.id})`);
        result.previous = prev;
        result.range = { from: prev.commitSha, to: deploy.commitSha, fromSource: 'previous-deploy' };
      } else {
        notes.push(`no earlier deploy of ${deploy.service ?? alert.service} known: the change range of ${deploy.id} is unknown`);
      }
    }
    return result;
  }
  const where = env === undefined ? '' : ` to ${alert.environment ?? ''}`;
  return { found: false, reason: `no deploy of ${alert.service}${where} at or before ${alert.startedAt}` };
}

function sameTarget(a: DeployRecord, b: DeployRecord): boolean {
  const s = (x: DeployRecord): string => (x.service === undefined ? '\u0000' : serviceKey(x.service));
  const e = (x: DeployRecord): string => (x.environment === undefined ? '\u0000' : environmentKey(x.environment));
  return s(a) === s(b) && e(a) === e(b);
}

/** Latest by time; among equal times an event beats a tag, else the one listed last wins (deterministic by id). */
function latest(list: readonly DeployRecord[]): DeployRecord | undefined {
  let best: DeployRecord | undefined;
  for (const d of list) {
    if (best === undefined || d.time > best.time || (d.time === best.time && !(d.origin === 'tag' && best.origin !== 'tag'))) best = d;
  }
  return best;
}
