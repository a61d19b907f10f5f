/**
 * The deploy guard as a CI step (`guard-cli ci`): what the CI run is (GitHub Actions or GitLab CI, from their
 * environment variables and GitHub's event file), whose commit it deploys, the repository's own guard policy
 * (`oncall.deployGuard` in `.vscode/settings.json`, the file the editor reads), and the override a team can give
 * with a reason. Pure: the CLI reads the files and runs git, this decides.
 */

export type CiProvider = 'github' | 'gitlab' | 'local';

export interface CiRun {
  provider: CiProvider;
  /** The commit being deployed (hex), when the CI says. */
  sha?: string;
  branch?: string;
  /** The commit's author, when the CI says (GitHub push events, GitLab's CI_COMMIT_AUTHOR). */
  author?: { name?: string; email?: string };
  /** The commit message, when the CI says. */
  message?: string;
  /** The pull / merge request's labels and title, when the run is for one. */
  labels: Array<{ name: string; description?: string }>;
  request?: { number?: number; title?: string };
  /** An override given as a job input (workflow_dispatch input, action input or env var). */
  inputReason?: { via: string; reason: string };
  /** Where the repository is checked out. */
  workspace?: string;
}

export interface CiOverride {
  /** How it was given: "PR label deploy-anyway", "commit trailer Deploy-Anyway", "ONCALL_DEPLOY_ANYWAY". */
  via: string;
  reason: string;
}

/** The PR / MR label that overrides the guard (its description, else the request's title, is the reason). */
export const OVERRIDE_LABEL = 'deploy-anyway';
/** The commit trailer that overrides the guard: `Deploy-Anyway: <reason>`. */
export const OVERRIDE_TRAILER = 'Deploy-Anyway';
const MIN_REASON = 3;
const MAX_REASON = 500;

const s = (x: unknown, max = 1000): string | undefined => (typeof x === 'string' && x.trim() ? x.trim().slice(0, max) : undefined);
const isSha = (x: string | undefined): x is string => x !== undefined && /^[0-9a-f]{7,40}$/i.test(x);

/** "Name <email>" (GitLab's CI_COMMIT_AUTHOR, git's ident) → its parts. */
export function parseIdent(v: string | undefined): { name?: string; email?: string } | undefined {
  const t = s(v, 400);
  if (!t) return undefined;
  const m = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(t);
  if (m) return { ...(m[1] ? { name: m[1] } : {}), email: m[2]! };
  return t.includes('@') ? { email: t } : { name: t };
}

/** What kind of run this is, from the environment and (GitHub) the parsed event file. Bounded, never throws. */
export function ciRunOf(env: Readonly<Record<string, string | undefined>>, event?: unknown): CiRun {
  const ev = event && typeof event === 'object' ? (event as Record<string, unknown>) : {};
  const obj = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
  const input = (via: string, v: string | undefined): CiRun['inputReason'] => (v && v.length >= MIN_REASON ? { via, reason: v.slice(0, MAX_REASON) } : undefined);
  const fromEnv =
    input('ONCALL_DEPLOY_ANYWAY', s(env.ONCALL_DEPLOY_ANYWAY)) ??
    input('the action input deploy-anyway', s(env['INPUT_DEPLOY-ANYWAY']) ?? s(env.INPUT_DEPLOY_ANYWAY));
  if (env.GITHUB_ACTIONS === 'true') {
    const pr = obj(ev.pull_request);
    const head = obj(ev.head_commit);
    const author = obj(head.author);
    const labels = Array.isArray(pr.labels)
      ? pr.labels.slice(0, 100).flatMap((l) => {
          const name = s(obj(l).name, 200);
          const description = s(obj(l).description, MAX_REASON);
          return name ? [{ name, ...(description ? { description } : {}) }] : [];
        })
      : [];
    const prHead = s(obj(pr.head).sha, 40);
    const sha = isSha(prHead) ? prHead : s(env.GITHUB_SHA, 40);
    const title = s(pr.title, 300);
    const number = typeof pr.number === 'number' && Number.isInteger(pr.number) ? pr.number : undefined;
    const a = { ...(s(author.name, 200) ? { name: s(author.name, 200) } : {}), ...(s(author.email, 200) ? { email: s(author.email, 200) } : {}) };
    const run: CiRun = {
      provider: 'github',
      labels,
      ...(isSha(sha) ? { sha } : {}),
      ...(s(env.GITHUB_HEAD_REF) ?? s(env.GITHUB_REF_NAME) ? { branch: (s(env.GITHUB_HEAD_REF) ?? s(env.GITHUB_REF_NAME))! } : {}),
      ...(a.name || a.email ? { author: a } : {}),
      ...(s(head.message, 20_000) ? { message: s(head.message, 20_000)! } : {}),
      ...(title || number !== undefined ? { request: { ...(number !== undefined ? { number } : {}), ...(title ? { title } : {}) } } : {}),
      ...(s(env.GITHUB_WORKSPACE) ? { workspace: s(env.GITHUB_WORKSPACE)! } : {}),
    };
    const dispatch = input('the workflow input deploy_anyway', s(obj(ev.inputs).deploy_anyway) ?? s(obj(ev.inputs)['deploy-anyway']));
    const reason = fromEnv ?? dispatch;
    if (reason) run.inputReason = reason;
    return run;
  }
  if (env.GITLAB_CI === 'true') {
    const labels = (s(env.CI_MERGE_REQUEST_LABELS, 10_000) ?? '').split(',').map((l) => l.trim()).filter(Boolean).slice(0, 100).map((name) => ({ name: name.slice(0, 200) }));
    const iid = Number(env.CI_MERGE_REQUEST_IID);
    const title = s(env.CI_MERGE_REQUEST_TITLE, 300);
    const author = parseIdent(env.CI_COMMIT_AUTHOR);
    const run: CiRun = {
      provider: 'gitlab',
      labels,
      ...(isSha(s(env.CI_COMMIT_SHA, 40)) ? { sha: s(env.CI_COMMIT_SHA, 40)! } : {}),
      ...(s(env.CI_COMMIT_REF_NAME) ? { branch: s(env.CI_COMMIT_REF_NAME)! } : {}),
      ...(author ? { author } : {}),
      ...(s(env.CI_COMMIT_MESSAGE, 20_000) ? { message: s(env.CI_COMMIT_MESSAGE, 20_000)! } : {}),
      ...(title || Number.isInteger(iid) ? { request: { ...(Number.isInteger(iid) ? { number: iid } : {}), ...(title ? { title } : {}) } } : {}),
      ...(s(env.CI_PROJECT_DIR) ? { workspace: s(env.CI_PROJECT_DIR)! } : {}),
    };
    if (fromEnv) run.inputReason = fromEnv;
    return run;
  }
  return { provider: 'local', labels: [], ...(fromEnv ? { inputReason: fromEnv } : {}) };
}

/** The value of the last `Deploy-Anyway: <reason>` trailer of a commit message (its final paragraph). */
export function overrideTrailer(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const paragraphs = message.slice(0, 20_000).replace(/\r\n/g, '\n').trim().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? paragraphs[paragraphs.length - 1]! : '';
  let found: string | undefined;
  for (const line of last.split('\n')) {
    const m = /^deploy-anyway:\s*(.+)$/i.exec(line.trim());
    if (m?.[1]) found = m[1].trim();
  }
  return found && found.length >= MIN_REASON ? found.slice(0, MAX_REASON) : undefined;
}

/** The override this run carries, if any: a job input first, then the commit trailer, then the PR / MR label. */
export function ciOverride(run: CiRun, message: string | undefined): CiOverride | undefined {
  if (run.inputReason) return run.inputReason;
  const trailer = overrideTrailer(message ?? run.message);
  if (trailer) return { via: `commit trailer ${OVERRIDE_TRAILER}`, reason: trailer };
  const label = run.labels.find((l) => l.name.toLowerCase() === OVERRIDE_LABEL);
  if (label) {
    const reason = label.description ?? (run.request?.title ? `${run.request.number !== undefined ? `#${run.request.number} ` : ''}${run.request.title}` : undefined);
    if (reason && reason.length >= MIN_REASON) return { via: `${run.provider === 'gitlab' ? 'MR' : 'PR'} label ${OVERRIDE_LABEL}`, reason: reason.slice(0, MAX_REASON) };
  }
  return undefined;
}

/**
 * JSON with comments and trailing commas (VS Code's settings.json) → a value. Comments inside strings stay; a
 * malformed file is an Error naming where.
 */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  // Trailing commas: a comma followed (past whitespace) by } or ] — outside strings, as strings were copied as they are.
  const noTrailing = out.replace(/("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g, (m, str: string | undefined, close: string | undefined) => str ?? close ?? m);
  return JSON.parse(noTrailing);
}

/** The repository's guard policy: `oncall.deployGuard` of a settings.json text ({} when the file sets none). */
export function repoGuardSettings(settingsJson: string | undefined): { settings: unknown; error?: string } {
  if (settingsJson === undefined) return { settings: {} };
  try {
    const v = parseJsonc(settingsJson);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { settings: {}, error: 'settings.json is not a JSON object' };
    const g = (v as Record<string, unknown>)['oncall.deployGuard'];
    return { settings: g === undefined ? {} : g };
  } catch (e) {
    return { settings: {}, error: `settings.json is not valid JSON with comments: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * The guard's sentences speak to the editor's user ("you are not on call", "your time"); in a CI log they are about
 * the commit's author.
 */
export function forAuthor(text: string, name: string): string {
  return text
    .replace(/\byou are not on call\b/g, `${name} is not on call`)
    .replace(/\byou are on call\b/g, `${name} is on call`)
    .replace(/\byou go off call\b/g, `${name} goes off call`)
    .replace(/\byou can watch\b/g, `${name} can watch`)
    .replace(/\byour next shift\b/gi, `${name}'s next shift`)
    .replace(/\byour time\b/g, `${name}'s time`);
}
