import type { ConfigError } from './guardConfig';
import { MATCH_INPUT_MAX_LENGTH, safeExec, validateUserRegex } from './commandRegex';
import { globMatch } from '../util/glob';

/**
 * Recognizes deploy commands in terminal command lines and task command lines the host feeds in.
 * Regex patterns look for the tool at a command boundary (start, after ; & | ( or whitespace) so
 * "npm test && kubectl apply -f x" is caught. `git push` is parsed instead of regex-matched: only a push
 * to a protected branch (configurable globs) counts as a deploy.
 */

export type DeployCommandPattern =
  | { kind: 'regex'; id: string; label: string; regex: RegExp }
  | { kind: 'gitPush'; id: string; label: string; protectedBranches: readonly string[] };

export interface DeployCommandMatch {
  id: string;
  label: string;
  kind: DeployCommandPattern['kind'];
  /** The matched command text (regex), or the git push segment. */
  matched: string;
  /** For git push: the protected branch pushed to. */
  branch?: string;
}

export interface DeployCommandSettings {
  /** Default true: keep the built-in patterns. */
  useDefaultCommandPatterns?: boolean;
  /** Extra regexes (validated, case-insensitive), as text or { id?, label?, pattern }. */
  commandPatterns?: Array<string | { id?: string; label?: string; pattern: string }>;
  /** Branch globs for `git push` (`*` within a path segment, `**` across). */
  protectedBranches?: string[];
}

export const DEFAULT_PROTECTED_BRANCHES: readonly string[] = ['main', 'master', 'production', 'release/*'];

const B = String.raw`(?:^|[\s;&|(\x60])`;
const ARGS = String.raw`[^;&|\n]*?\s`;

const DEFAULT_REGEX_PATTERNS: ReadonlyArray<{ id: string; label: string; source: string }> = [
  { id: 'kubectl', label: 'kubectl apply/rollout', source: String.raw`${B}kubectl\b${ARGS}(?:apply|rollout)\b` },
  { id: 'helm', label: 'helm upgrade/install', source: String.raw`${B}helm\b${ARGS}(?:upgrade|install)\b` },
  { id: 'terraform', label: 'terraform apply', source: String.raw`${B}(?:terraform|tofu)\b${ARGS}apply\b` },
  { id: 'fly', label: 'fly deploy', source: String.raw`${B}(?:fly|flyctl)\s+deploy\b` },
  { id: 'vercel', label: 'vercel --prod', source: String.raw`${B}vercel\b${ARGS}--prod\b` },
  { id: 'netlify', label: 'netlify deploy --prod', source: String.raw`${B}netlify\s+deploy\b${ARGS}--prod\b` },
  { id: 'npm-deploy', label: 'npm run deploy', source: String.raw`${B}(?:npm|pnpm|yarn)\s+(?:run\s|run-script\s)?\s*deploy\b` },
  { id: 'capistrano', label: 'cap production deploy', source: String.raw`${B}cap\s+production\s+deploy\b` },
  { id: 'gcloud', label: 'gcloud app deploy', source: String.raw`${B}gcloud\b${ARGS}app\s+deploy\b` },
  { id: 'serverless', label: 'serverless deploy', source: String.raw`${B}(?:serverless|sls)\s+deploy\b` },
];

export function defaultDeployCommandPatterns(protectedBranches: readonly string[] = DEFAULT_PROTECTED_BRANCHES): DeployCommandPattern[] {
  return [
    ...DEFAULT_REGEX_PATTERNS.map((p): DeployCommandPattern => ({ kind: 'regex', id: p.id, label: p.label, regex: new RegExp(p.source, 'i') })),
    { kind: 'gitPush', id: 'git-push', label: 'git push to a protected branch', protectedBranches },
  ];
}

const BRANCH_GLOB = /^[A-Za-z0-9._/*?+@-]{1,200}$/;

/** Builds the effective pattern list from settings; bad entries are dropped and reported. */
export function buildDeployCommandPatterns(raw: unknown): { patterns: DeployCommandPattern[]; errors: ConfigError[] } {
  const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const errors: ConfigError[] = [];
  let branches: string[] = [...DEFAULT_PROTECTED_BRANCHES];
  if (s.protectedBranches !== undefined) {
    if (!Array.isArray(s.protectedBranches)) errors.push({ path: 'protectedBranches', message: 'must be a list of branch globs.' });
    else {
      branches = [];
      s.protectedBranches.slice(0, 100).forEach((b, i) => {
        if (typeof b === 'string' && BRANCH_GLOB.test(b)) branches.push(b);
        else errors.push({ path: `protectedBranches[${i}]`, message: `"${String(b)}" is not a branch name or glob like "release/*".` });
      });
    }
  }
  const patterns = s.useDefaultCommandPatterns === false ? [] : defaultDeployCommandPatterns(branches);
  const extra = s.commandPatterns ?? [];
  if (!Array.isArray(extra)) errors.push({ path: 'commandPatterns', message: 'must be a list of regular expressions.' });
  else
    extra.slice(0, 100).forEach((entry: unknown, i) => {
      const obj = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
      const source = obj ? obj.pattern : entry;
      const v = validateUserRegex(source);
      if (!v.ok) {
        errors.push({ path: `commandPatterns[${i}]`, message: v.error });
        return;
      }
      const id = typeof obj?.id === 'string' && obj.id ? obj.id : `custom-${i}`;
      const label = typeof obj?.label === 'string' && obj.label ? obj.label : String(source);
      patterns.push({ kind: 'regex', id, label, regex: v.regex });
    });
  return { patterns, errors };
}

/** The first pattern (in list order) matching the command line, or undefined. */
export function matchDeployCommand(
  commandLine: string,
  patterns: readonly DeployCommandPattern[],
  context: { currentBranch?: string } = {},
): DeployCommandMatch | undefined {
  if (typeof commandLine !== 'string' || commandLine.trim() === '') return undefined;
  const line = commandLine.slice(0, MATCH_INPUT_MAX_LENGTH);
  for (const p of patterns) {
    if (p.kind === 'regex') {
      const m = safeExec(p.regex, line);
      if (m) return { id: p.id, label: p.label, kind: 'regex', matched: m[0].trim() };
    } else {
      const hit = findProtectedPush(line, p.protectedBranches, context.currentBranch);
      if (hit) return { id: p.id, label: p.label, kind: 'gitPush', matched: hit.segment, branch: hit.branch };
    }
  }
  return undefined;
}

/** `*` matches within a path segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function isProtectedBranch(branch: string, globs: readonly string[]): boolean {
  return globs.some((g) => globMatch(g, branch));
}


/** git options that take a separate value argument (before or after `push`). */
const GIT_VALUE_OPTS = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace']);
const PUSH_VALUE_OPTS = new Set(['-o', '--push-option', '--repo', '--receive-pack', '--exec']);

function findProtectedPush(line: string, globs: readonly string[], currentBranch: string | undefined): { segment: string; branch: string } | undefined {
  for (const segment of line.split(/&&|\|\||[;|\n]/)) {
    const tokens = segment.trim().split(/\s+/).map((t) => t.replace(/^['"]|['"]$/g, ''));
    const gi = tokens.indexOf('git');
    if (gi < 0) continue;
    let i = gi + 1;
    while (i < tokens.length && tokens[i]?.startsWith('-')) i += GIT_VALUE_OPTS.has(tokens[i] ?? '') ? 2 : 1;
    if (tokens[i] !== 'push') continue;
    const positional: string[] = [];
    let all = false;
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j] ?? '';
      if (t === '--all' || t === '--mirror') all = true;
      if (t.startsWith('-')) {
        if (PUSH_VALUE_OPTS.has(t)) j++;
        continue;
      }
      positional.push(t);
    }
    const refspecs = positional.slice(1);
    const branches: string[] = [];
    if (all) branches.push(...globs.filter((g) => !/[*?]/.test(g)));
    if (refspecs.length === 0 && currentBranch) branches.push(currentBranch);
    for (const spec of refspecs) {
      const s = spec.replace(/^\+/, '');
      const colon = s.indexOf(':');
      if (colon === 0) continue; // ":branch" deletes a remote branch: not a deploy
      let dst = colon > 0 ? s.slice(colon + 1) : s;
      if (dst === 'HEAD' || dst === '@') dst = currentBranch ?? '';
      dst = dst.replace(/^refs\/heads\//, '');
      if (dst) branches.push(dst);
    }
    const hit = branches.find((b) => isProtectedBranch(b, globs));
    if (hit) return { segment: segment.trim(), branch: hit };
  }
  return undefined;
}
