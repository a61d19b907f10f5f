import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMMIT_KEYS, commitFiles, DEMO_COMMIT_SHAS, HISTORY, YOU, type CommitKey, type DemoAuthor, type DemoFiles } from './workspaceFiles';

/** Commit metadata the demo source needs for deploys (read back from git, so the shas are the real ones). */
export interface DemoCommit {
  key: CommitKey;
  sha: string;
  author: DemoAuthor;
  date: string;
  subject: string;
}

export type DemoCommits = Readonly<Record<CommitKey, DemoCommit>>;

/** Thrown when the directory exists and holds something that is not a demo workspace: we never write over it. */
export class NotADemoWorkspaceError extends Error {}

/** A tag only the demo history has: its presence is what makes a directory "ours" and reusable. */
const MARKER_TAG = 'deploy-2026-11-20';
const GIT_TIMEOUT_MS = 30_000;

/**
 * Runs git without a shell (arguments are never parsed by one) and with an environment scrubbed of the
 * caller's GIT_* variables, so a bridge started from a git hook or with GIT_DIR set cannot touch
 * another repository. Global/system config is ignored while building so that e.g. commit.gpgsign or
 * core.autocrlf cannot change the deterministic shas.
 */
export function git(cwd: string, args: string[], extraEnv: Record<string, string> = {}, isolated = false): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  if (isolated) {
    env.GIT_CONFIG_NOSYSTEM = '1';
    env.GIT_CONFIG_GLOBAL = os.devNull;
  }
  Object.assign(env, extraEnv);
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') reject(new Error('git is not installed or not on PATH (the demo workspace needs it)'));
        else reject(new Error(`git ${args[0] ?? ''} failed: ${String(stderr).trim() || err.message}`));
        return;
      }
      resolve(String(stdout));
    });
  });
}

function authorEnv(a: DemoAuthor, date: string): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: a.name,
    GIT_AUTHOR_EMAIL: a.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: a.name,
    GIT_COMMITTER_EMAIL: a.email,
    GIT_COMMITTER_DATE: date,
  };
}

async function writeFiles(root: string, files: DemoFiles): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    await fs.mkdir(path.dirname(abs), { recursive: true });
    // 0644: the file mode is part of the tree hash.
    await fs.writeFile(abs, content, { mode: 0o644 });
  }
}

/** Builds the repository from `HISTORY` and demo/history/ in `dir` (which must be empty or absent). */
async function buildRepository(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const run = (args: string[], env: Record<string, string> = {}) => git(dir, args, env, true);
  await run(['init', '-q']);
  // Works on every git version (`init -b` needs 2.28).
  await run(['symbolic-ref', 'HEAD', 'refs/heads/main']);
  const cfg = ['-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', '-c', 'core.fileMode=true'];
  for (const step of HISTORY) {
    switch (step.op) {
      case 'commit': {
        await writeFiles(dir, commitFiles(step));
        await run([...cfg, 'add', '-A']);
        const msg = step.body ? `${step.subject}\n\n${step.body}` : step.subject;
        await run([...cfg, 'commit', '-q', '--no-verify', '--allow-empty', '-m', msg], authorEnv(step.author, step.date));
        break;
      }
      case 'branch':
        await run(['branch', step.name]);
        break;
      case 'checkout':
        await run(['checkout', '-q', step.name]);
        break;
      case 'merge':
        await run([...cfg, 'merge', '-q', '--no-ff', '--no-verify', '--no-edit', '-m', step.subject, step.branch], authorEnv(step.author, step.date));
        break;
      case 'tag':
        // Lightweight tags: no tagger line, so nothing time-dependent.
        await run(['tag', step.name]);
        break;
    }
  }
  await run(['config', 'user.email', YOU.email]);
  await run(['config', 'user.name', YOU.name]);
  // The settings file carries a port that changes per run: keep it out of `git status`.
  await fs.appendFile(path.join(dir, '.git', 'info', 'exclude'), '\n.vscode/\n');
}

async function isDemoWorkspace(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, '.git'));
    await git(dir, ['rev-parse', '--verify', '-q', `refs/tags/${MARKER_TAG}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Creates the demo workspace in `dir`, or reuses it when it already is one (the user may have
 * committed to it since; we leave it alone). Refuses a non-empty directory that is not a demo
 * workspace rather than writing into someone's project. The history is built in a sibling temp
 * directory and renamed into place, so a crash never leaves a half-built workspace behind.
 * When `port` is given, also writes .vscode/settings.json pointing the extension at the bridge.
 */
export async function ensureDemoWorkspace(dir: string, opts: { port?: number } = {}): Promise<{ created: boolean; commits: DemoCommits }> {
  const abs = path.resolve(dir);
  let created = false;
  if (!(await isDemoWorkspace(abs))) {
    if (!(await isEmptyOrMissing(abs))) {
      throw new NotADemoWorkspaceError(`${abs} exists and is not a demo workspace; choose an empty or new directory`);
    }
    const parent = path.dirname(abs);
    await fs.mkdir(parent, { recursive: true });
    const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(abs)}.tmp-`));
    try {
      await buildRepository(tmp);
      await fs.rm(abs, { recursive: true, force: true }); // empty or absent, checked above
      await fs.rename(tmp, abs);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
    created = true;
  }
  if (opts.port !== undefined) await writeDemoSettings(abs, opts.port);
  return { created, commits: await readDemoCommits(abs) };
}

/** Points the demo workspace's extension settings at the bridge, keeping any other settings there. */
export async function writeDemoSettings(dir: string, port: number, host = '127.0.0.1'): Promise<void> {
  const file = path.join(dir, '.vscode', 'settings.json');
  let settings: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) settings = parsed as Record<string, unknown>;
  } catch {
    // Missing or not plain JSON (comments): this is our demo workspace, rewrite it.
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  settings['oncall.identity'] = YOU.email;
  settings['oncall.serverUrl'] = `ws://${urlHost}:${port}/`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(settings, null, 2) + '\n');
}

/**
 * Reads the history's commits back from git, matched by subject (the user's own commits are
 * ignored). Falls back to the precomputed sha for a commit the repository does not have.
 */
export async function readDemoCommits(dir: string): Promise<DemoCommits> {
  const out = await git(dir, ['log', '--all', '--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1e']);
  const bySubject = new Map<string, { sha: string; name: string; email: string; date: string }>();
  for (const rec of out.split('\x1e')) {
    const [sha, name, email, date, subject] = rec.trim().split('\x1f');
    if (sha && name !== undefined && email !== undefined && date && subject !== undefined && /^[0-9a-f]{40}$/.test(sha)) {
      if (!bySubject.has(subject)) bySubject.set(subject, { sha, name, email, date });
    }
  }
  return commitsFrom((_key, subject) => {
    const c = bySubject.get(subject);
    return c ? { sha: c.sha, date: c.date } : undefined;
  });
}

/** The history's commits with the precomputed shas (no git needed): for a bridge run without a workspace. */
export function builtinDemoCommits(): DemoCommits {
  return commitsFrom(() => undefined);
}

function commitsFrom(lookup: (key: CommitKey, subject: string) => { sha: string; date: string } | undefined): DemoCommits {
  const result = {} as Record<CommitKey, DemoCommit>;
  for (const step of HISTORY) {
    if (step.op !== 'commit' && step.op !== 'merge') continue;
    const key = step.key as CommitKey;
    const found = lookup(key, step.subject);
    result[key] = { key, sha: found?.sha ?? DEMO_COMMIT_SHAS[key], author: step.author, date: step.date, subject: step.subject };
  }
  for (const k of COMMIT_KEYS) if (!result[k]) throw new Error(`demo history has no commit "${k}"`);
  return result;
}

