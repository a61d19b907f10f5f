// `guard-cli ci`: the deploy guard as a CI step (GitHub Actions, GitLab CI). Asks the bridge for the schedule
// (GET /v1/schedule, bridge token), applies the repository's own guard policy (.vscode/settings.json
// "oncall.deployGuard", the file the editor reads) and, in a risky window when the commit's author is not on
// shift, fails the job with the guard's short explanation — unless an override with a reason is given, which
// is logged and posted to the source (POST /v1/deploy-anyway). Plain Node: no `vscode`.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import * as v from 'valibot';
import { decideDeploy, validateDeployGuardSettings, type DeployDecision } from '../core/deploy';
import { ciOverride, ciRunOf, forAuthor, OVERRIDE_LABEL, OVERRIDE_TRAILER, parseIdent, repoGuardSettings, type CiRun } from '../core/deploy/ciGuard';
import { heldCommandParts } from '../core/deploy/guardPrompts';
import { OnCallStateSchema } from '../core/protocol/schemas';
import type { OnCallState } from '../core/protocol/types';
import { Schedule } from '../core/schedule';
import { matchesIdentity } from '../core/schedule/identity';


export interface CiIo {
  out(line: string): void;
  err(line: string): void;
}

const MAX_FILE = 1_000_000;
const TIMEOUT_MS = 15_000;

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function readSmall(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    if (fs.statSync(file).size > MAX_FILE) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000, maxBuffer: 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout) => resolve(err ? undefined : String(stdout)));
  });
}

/** The bridge's base URL (http/https; a ws:// or wss:// address as the editor's setting names it works too). */
export function bridgeBase(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw.trim().replace(/^ws(s?):/i, 'http$1:'));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password) return undefined; // never a token in a URL
    return u;
  } catch {
    return undefined;
  }
}

function request(base: URL, method: 'GET' | 'POST', route: string, token: string | undefined, body?: object): Promise<{ status: number; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const url = new URL(route, base);
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (data !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(data);
    }
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method, headers, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (text.length > 5_000_000) req.destroy(new Error('answer too large'));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.end(data);
  });
}

async function fetchSchedule(base: URL, token: string | undefined): Promise<OnCallState | string> {
  const r = await request(base, 'GET', '/v1/schedule', token);
  if ('error' in r) return `could not reach the bridge at ${base.origin}: ${r.error}`;
  if (r.status === 401) return `the bridge at ${base.origin} refused the token (401): set ONCALL_BRIDGE_TOKEN to the bridge's token (a CI secret)`;
  if (r.status !== 200) return `the bridge at ${base.origin} answered ${r.status} for /v1/schedule${r.status === 404 ? ' (a bridge older than this guard?)' : ''}`;
  let json: unknown;
  try {
    json = JSON.parse(r.text);
  } catch {
    return `the bridge's schedule is not JSON`;
  }
  const parsed = v.safeParse(OnCallStateSchema, json);
  if (!parsed.success) return `the bridge's schedule is malformed: ${parsed.issues[0]?.message ?? 'invalid'}`;
  return parsed.output;
}

/** The short explanation: headline, who gets paged first, the safer time (as the terminal guard words it). */
function explain(d: DeployDecision, author: string): string[] {
  const p = heldCommandParts(d);
  return [d.headline, ...(p.pagedFirst ? [p.pagedFirst] : []), ...(p.safer ? [`Safer: ${p.safer}`] : [])].map((l) => forAuthor(l, author));
}

function howToOverride(run: CiRun): string {
  const label = run.provider === 'gitlab' ? `an MR label "${OVERRIDE_LABEL}" (the MR title is the reason)` : `a PR label "${OVERRIDE_LABEL}" (its description, else the PR title, is the reason)`;
  return `To deploy anyway, give a reason: a "${OVERRIDE_TRAILER}: <reason>" trailer in the commit message, ${label}, or ONCALL_DEPLOY_ANYWAY="<reason>" in the job's environment.`;
}

/**
 * Runs the CI guard. Exit 0: deploy (fine, guard off, overridden, or the bridge unreachable without --strict);
 * 1: risky and not overridden (or unreachable with --strict); 2: misconfigured.
 */
export async function runCi(args: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CiIo, at: number): Promise<number> {
  const gh = env.GITHUB_ACTIONS === 'true';
  const error = (t: string): void => io.err(gh ? `::error title=On-Call deploy guard::${t.replace(/\n/g, '%0A')}` : `on-call deploy guard: ${t}`);
  const warn = (t: string): void => io.err(gh ? `::warning title=On-Call deploy guard::${t.replace(/\n/g, '%0A')}` : `on-call deploy guard: ${t}`);
  const strict = args.includes('--strict') || env.ONCALL_GUARD_STRICT === '1';

  const event = (() => {
    const text = gh ? readSmall(env.GITHUB_EVENT_PATH) : undefined;
    try {
      return text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      warn(`could not read GITHUB_EVENT_PATH as JSON: PR labels are not seen`);
      return undefined;
    }
  })();
  const run = ciRunOf(env, event);
  const repo = path.resolve(flag(args, 'repo') ?? run.workspace ?? process.cwd());

  const settingsFile = path.join(repo, '.vscode', 'settings.json');
  const policy = repoGuardSettings(readSmall(settingsFile));
  if (policy.error) warn(`${settingsFile}: ${policy.error}; using the default guard policy`);
  const { config, errors } = validateDeployGuardSettings(policy.settings);
  for (const e of errors.slice(0, 10)) warn(`${settingsFile}: oncall.deployGuard${e.path ? `.${e.path}` : ''}: ${e.message}`);
  if (!config.enabled) {
    io.out('on-call deploy guard: off in this repository (oncall.deployGuard.enabled is false)');
    return 0;
  }

  // Whose deploy: the commit's author (the CI's word, else git's).
  let author = run.author;
  let message = run.message;
  if ((!author?.email || message === undefined) && run.sha) {
    const out = await git(repo, ['log', '-1', '--no-show-signature', '--format=%an <%ae>%x00%B', run.sha, '--']);
    if (out) {
      const [ident, body] = out.split('\0');
      author = author?.email ? author : parseIdent(ident);
      message ??= body;
    }
  }
  if (!author?.email && !author?.name) {
    error('cannot tell whose commit this is (no author in the CI environment, and git could not read the commit): run the step after actions/checkout, or set ONCALL_DEPLOY_ANYWAY');
    return 2;
  }

  const base = bridgeBase(flag(args, 'bridge') ?? env.ONCALL_BRIDGE_URL);
  if (!base) {
    error('no bridge to ask: set ONCALL_BRIDGE_URL (http(s)://host:port of the On-Call bridge) and ONCALL_BRIDGE_TOKEN (a CI secret)');
    return 2;
  }
  const token = env.ONCALL_BRIDGE_TOKEN?.trim() || undefined;
  const state = await fetchSchedule(base, token);
  if (typeof state === 'string') {
    if (strict) {
      error(`${state}. The deploy was not checked (--strict): failing.`);
      return 1;
    }
    warn(`${state}. The deploy was NOT checked against the on-call schedule; letting it through (use --strict to fail instead).`);
    return 0;
  }

  const schedule = Schedule.fromState(state);
  const who = { ...(author.name ? { name: author.name } : {}), ...(author.email ? { email: author.email } : {}) };
  const person = state.rotations.flatMap((r) => r.shifts.map((s) => s.person)).find((p) => matchesIdentity(p, who));
  const zone = env.ONCALL_TIME_ZONE?.trim() || person?.timeZone;
  const service = flag(args, 'service') ?? env.ONCALL_SERVICE;
  const decision = decideDeploy({ at, author: who, ...(zone ? { authorTimeZone: zone } : {}), schedule, config, ...(service ? { service } : {}) });
  const name = author.name ?? author.email!;
  if (!decision.risky) {
    io.out(`on-call deploy guard: deploying ${run.sha ? run.sha.slice(0, 12) : 'this commit'} by ${name} now is fine. ${forAuthor(decision.headline, name)}`);
    return 0;
  }
  const lines = explain(decision, name);
  const override = ciOverride(run, message);
  if (!override) {
    error([`Deploying ${run.sha ? run.sha.slice(0, 12) : 'this commit'} by ${name} now is risky.`, ...lines, howToOverride(run)].join('\n'));
    return 1;
  }
  warn(`DEPLOY OVERRIDE by ${name} (${override.via}): "${override.reason}" — overriding: ${forAuthor(decision.summary, name)}`);
  const posted = await request(base, 'POST', '/v1/deploy-anyway', token, { reason: override.reason, author: name, summary: forAuthor(decision.summary, name), ...(run.sha ? { commit: run.sha } : {}), ...(service ? { service } : {}) });
  if ('error' in posted) warn(`the override could not be posted to the alert source: ${posted.error}`);
  else if (posted.status !== 200) warn(`the override was not posted to the alert source (${posted.status}): ${safeError(posted.text)}`);
  else io.out(`on-call deploy guard: override posted to the alert source (${safeError(posted.text)})`);
  io.out(`on-call deploy guard: deploying anyway: ${lines[0]}`);
  return 0;
}

function safeError(text: string): string {
  try {
    const v = JSON.parse(text) as { error?: unknown; posted?: unknown; alerts?: unknown };
    if (typeof v.error === 'string') return v.error.slice(0, 300);
    if (v.posted === 'note' && Array.isArray(v.alerts)) return `a note on ${v.alerts.length} open alert(s)`;
    if (v.posted === 'annotation') return 'an annotation';
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}


