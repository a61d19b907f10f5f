/**
 * Runs the git CLI for the read-only queries of the suspect-commit feature.
 *
 * Why the git CLI and not the built-in `vscode.git` extension API:
 *  - that API has no blame, no `log -L`, and no "commits of a range with their hunks"; we would shell out
 *    for those anyway;
 *  - this module lives in `src/core`, which must run (and be tested) on plain Node without VS Code;
 *  - the CLI lets us pin behaviour that user config would otherwise change (prefixes, colours, external
 *    diff drivers, quoting) with explicit flags.
 *
 * Safety rules, enforced here and in `validate.ts`:
 *  - `execFile`, never a shell: arguments are an argv array, nothing is interpolated into a command line;
 *  - only an allow-list of read-only subcommands can run;
 *  - callers validate every sha/path/pattern before calling `run` (see GitRepository);
 *  - a timeout, a bounded output buffer and an AbortSignal bound every call;
 *  - the environment disables prompts, pagers and optional locks, and pins the C locale so error text
 *    can be recognised.
 * Running git in a repository executes that repository's config (e.g. `core.fsmonitor`), so the host
 * must only call into this in a trusted workspace (package.json declares limited untrusted support).
 */
import { execFile, type ExecFileException } from 'node:child_process';
import type { Logger } from '../util/logger';
import { nullLogger } from '../util/logger';
import { LruCache } from './lru';

export type GitErrorCode =
  | 'not-a-repo'
  | 'unknown-revision'
  | 'git-not-found'
  | 'timeout'
  | 'output-too-large'
  | 'cancelled'
  | 'no-such-path'
  | 'bad-line'
  | 'unsafe-repository'
  | 'no-commits'
  | 'parse'
  | 'failed';

/** A git invocation that failed, with a message meant for a human and a code meant for code. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly code: GitErrorCode,
    message: string,
    readonly details: { args?: readonly string[]; stderr?: string; exitCode?: number | null } = {},
  ) {
    super(message);
  }
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GitRunnerOptions {
  /** Directory git runs in (normally the repository's top level). */
  cwd: string;
  /** The git executable; a name looked up on PATH or an absolute path. Default `git`. */
  gitPath?: string;
  /** Per-call timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Per-call cap on stdout/stderr. Default 32 MiB. */
  maxBufferBytes?: number;
  /** Entries in the result cache. Default 500. */
  cacheEntries?: number;
  /** Total cached stdout characters. Default 64 Mi. */
  cacheMaxChars?: number;
  /** git processes allowed at once (the machine is shared with the editor). Default 4. */
  maxConcurrent?: number;
  logger?: Logger;
}

export interface RunOptions {
  timeoutMs?: number;
  maxBufferBytes?: number;
  signal?: AbortSignal;
  /** Exit codes that are answers rather than failures (e.g. 1 from `merge-base --is-ancestor`). */
  okExitCodes?: readonly number[];
  /**
   * The result depends only on immutable objects (shas, not HEAD / refs / the working tree), so it
   * may be served from the cache.
   */
  cacheable?: boolean;
  /** Revisions the call names, used to word "unknown revision" errors. */
  revs?: readonly string[];
  /** Written to git's stdin (e.g. object names for `cat-file --batch`); stdin is closed right away otherwise. */
  input?: string;
  /** `latin1` keeps one character per byte (for formats that count bytes, like `cat-file --batch`). Default utf8. */
  encoding?: 'utf8' | 'latin1';
}

/** Read-only subcommands this module is allowed to run. */
const ALLOWED = new Set(['log', 'blame', 'for-each-ref', 'cat-file', 'diff', 'rev-parse', 'merge-base', 'version', 'remote']);

/**
 * `git remote` may only list remote names or print one remote's URL (`remote get-url <name>`): its other forms
 * (add, remove, set-url, prune, update) change the repository or contact the network.
 */
function allowedRemoteArgs(args: readonly string[]): boolean {
  if (args.length === 1) return true;
  return args.length === 3 && args[1] === 'get-url' && /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(args[2] ?? '');
}

/**
 * Config forced on every call. `--literal-pathspecs` makes a file named `:(glob)*` or `*.ts` mean exactly that
 * file (paths come from stack traces, never patterns). `core.quotepath=off` prints non-ASCII paths raw; `core.fsmonitor=false`
 * stops a repository-configured hook from running on index refreshes; `color.ui=false` keeps escape
 * codes out of parsed output whatever the user's config says.
 */
const PREFIX_ARGS = ['--no-pager', '--literal-pathspecs', '-c', 'core.quotepath=off', '-c', 'core.fsmonitor=false', '-c', 'color.ui=false'];

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BUFFER = 32 * 1024 * 1024;

/** Environment for git: inherit PATH/HOME (for the user's identity config) but nothing that redirects or prompts. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Variables that would point git at another repository or index than `cwd` (set e.g. when the editor
  // itself was started from a git hook) or run an external program.
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE', 'GIT_EXTERNAL_DIFF', 'GIT_DIFF_OPTS', 'GIT_TRACE', 'GIT_TRACE2']) {
    delete env[k];
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_PAGER = 'cat';
  env.PAGER = 'cat';
  env.LC_ALL = 'C';
  env.LANGUAGE = 'C';
  // Read-only queries must not take index.lock and fight with the user's own git commands.
  env.GIT_OPTIONAL_LOCKS = '0';
  return env;
}

export class GitRunner {
  readonly cwd: string;
  private readonly _gitPath: string;
  private readonly _timeoutMs: number;
  private readonly _maxBuffer: number;
  private readonly _logger: Logger;
  private readonly _cache: LruCache<string, GitResult>;
  private readonly _maxConcurrent: number;
  private _running = 0;
  private readonly _queue: Array<() => void> = [];
  private readonly _env = gitEnv();

  constructor(options: GitRunnerOptions) {
    this.cwd = options.cwd;
    this._gitPath = options.gitPath ?? 'git';
    this._timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this._maxBuffer = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
    this._logger = options.logger ?? nullLogger;
    this._maxConcurrent = Math.max(1, options.maxConcurrent ?? 4);
    this._cache = new LruCache<string, GitResult>(options.cacheEntries ?? 500, options.cacheMaxChars ?? 64 * 1024 * 1024, (r) => r.stdout.length + 64);
  }

  /** Forgets cached results (e.g. after the host sees a fetch). Not needed for correctness: keys are immutable. */
  clearCache(): void {
    this._cache.clear();
  }

  get cacheSize(): number {
    return this._cache.size;
  }

  /**
   * Runs `git <args>`. Arguments must already be validated; the subcommand must be one of the read-only
   * allow-list. Rejects with a GitError whose message can be shown to the user as is.
   */
  async run(args: readonly string[], opts: RunOptions = {}): Promise<GitResult> {
    const sub = args[0];
    if (sub === undefined || !ALLOWED.has(sub) || (sub === 'remote' && !allowedRemoteArgs(args))) {
      throw new GitError('failed', `git subcommand ${JSON.stringify(sub === 'remote' ? args.slice(0, 2).join(' ') : (sub ?? ''))} is not allowed here`, { args });
    }
    const key = opts.cacheable === true ? JSON.stringify([this.cwd, args, opts.input ?? null, opts.encoding ?? 'utf8']) : undefined;
    if (key !== undefined) {
      const hit = this._cache.get(key);
      if (hit !== undefined) return hit;
    }
    if (opts.signal?.aborted === true) throw new GitError('cancelled', `git ${sub} cancelled`, { args });
    // A free slot is taken without awaiting, so git starts within this call: the first query asked for
    // (the range log, the longest) is spawned first, not after the ones asked for right after it.
    if (this._running < this._maxConcurrent) this._running++;
    else await this._acquire(opts.signal, sub, args);
    try {
      const result = await this._exec(args, opts);
      if (key !== undefined && result.exitCode === 0) this._cache.set(key, result);
      return result;
    } finally {
      this._release();
    }
  }

  private _acquire(signal: AbortSignal | undefined, sub: string, args: readonly string[]): Promise<void> {
    if (this._running < this._maxConcurrent) {
      this._running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const start = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this._running++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this._queue.indexOf(start);
        if (i >= 0) this._queue.splice(i, 1);
        reject(new GitError('cancelled', `git ${sub} cancelled`, { args }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this._queue.push(start);
    });
  }

  private _release(): void {
    this._running--;
    const next = this._queue.shift();
    if (next !== undefined) next();
  }

  private _exec(args: readonly string[], opts: RunOptions): Promise<GitResult> {
    const timeoutMs = opts.timeoutMs ?? this._timeoutMs;
    const maxBuffer = opts.maxBufferBytes ?? this._maxBuffer;
    const fullArgs = [...PREFIX_ARGS, ...args];
    this._logger.debug(`git ${args.join(' ')}`);
    return new Promise<GitResult>((resolve, reject) => {
      const child = execFile(
        this._gitPath,
        fullArgs,
        {
          cwd: this.cwd,
          env: this._env,
          timeout: timeoutMs,
          maxBuffer,
          signal: opts.signal,
          encoding: opts.encoding ?? 'utf8',
          windowsHide: true,
          killSignal: 'SIGKILL',
        },
        (err: ExecFileException | null, stdout: string, stderr: string) => {
          if (err === null) {
            resolve({ stdout, stderr, exitCode: 0 });
            return;
          }
          const exitCode = typeof err.code === 'number' ? err.code : null;
          if (exitCode !== null && opts.okExitCodes?.includes(exitCode) === true) {
            resolve({ stdout, stderr, exitCode });
            return;
          }
          reject(this._mapError(err, { args, stderr, exitCode, timeoutMs, maxBuffer, revs: opts.revs ?? [], aborted: opts.signal?.aborted === true }));
        },
      );
      // Closing stdin means a command that would read more sees EOF instead of hanging.
      child.stdin?.on('error', () => undefined);
      if (opts.input !== undefined) child.stdin?.end(opts.input, 'utf8');
      else child.stdin?.end();
    });
  }

  private _mapError(
    err: ExecFileException,
    ctx: { args: readonly string[]; stderr: string; exitCode: number | null; timeoutMs: number; maxBuffer: number; revs: readonly string[]; aborted: boolean },
  ): GitError {
    const sub = ctx.args[0] ?? '';
    const details = { args: ctx.args, stderr: ctx.stderr, exitCode: ctx.exitCode };
    const code = (err as { code?: unknown }).code;
    if (ctx.aborted || err.name === 'AbortError' || code === 'ABORT_ERR') return new GitError('cancelled', `git ${sub} cancelled`, details);
    if (code === 'ENOENT') return new GitError('git-not-found', `git not found (tried "${this._gitPath}") — install git or set its path`, details);
    if (code === 'EACCES') return new GitError('git-not-found', `git is not executable (tried "${this._gitPath}")`, details);
    if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
      return new GitError('output-too-large', `git ${sub} output exceeded ${ctx.maxBuffer} bytes — narrow the query or raise the limit`, details);
    }
    if (err.killed === true && err.signal != null) return new GitError('timeout', `git ${sub} timed out after ${ctx.timeoutMs} ms`, details);
    return classifyStderr(ctx.stderr, sub, ctx.revs, details, this.cwd);
  }
}

/** Maps git's (C-locale) error text to a code and a message a user can act on. */
export function classifyStderr(
  stderr: string,
  sub: string,
  revs: readonly string[],
  details: GitError['details'],
  cwd: string,
): GitError {
  const first = firstFatal(stderr);
  const what = sub === '' ? 'git' : `git ${sub}`;
  if (/not a git repository/i.test(stderr)) return new GitError('not-a-repo', `not a git repository: ${cwd}`, details);
  if (/dubious ownership/i.test(stderr)) {
    return new GitError('unsafe-repository', `git refuses ${cwd}: dubious ownership (see "git config --global --add safe.directory")`, details);
  }
  const revMatch =
    /(?:unknown revision|bad revision|bad object|Not a valid object name|invalid object name|Invalid revision range|not a valid commit|no such commit|Not a valid commit name)/i.test(stderr);
  if (revMatch) {
    const named = revs.find((r) => stderr.includes(r)) ?? /\b([0-9a-f]{7,40})\b/.exec(stderr)?.[1] ?? revs[0] ?? '';
    return new GitError('unknown-revision', `unknown revision ${named} — fetch the deployed commits?`, details);
  }
  const noPath = /no such path '?([^'\n]*?)'? in (\S+)/.exec(stderr) ?? /path '([^'\n]*)' does not exist in '([^'\n]*)'/.exec(stderr);
  if (noPath !== null) return new GitError('no-such-path', `no such path ${noPath[1] ?? ''} in ${noPath[2] ?? ''}`, details);
  const lines = /file (.*) has only (\d+) lines?/.exec(stderr);
  if (lines !== null) return new GitError('bad-line', `${lines[1] ?? 'file'} has only ${lines[2] ?? '?'} lines`, details);
  if (/Needed a single revision|does not have any commits yet|ambiguous argument 'HEAD'/.test(stderr)) {
    return new GitError('no-commits', 'the repository has no commits yet', details);
  }
  return new GitError('failed', `${what} failed${details.exitCode != null ? ` (exit ${details.exitCode})` : ''}${first ? `: ${first}` : ''}`, details);
}

function firstFatal(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('fatal:') || l.startsWith('error:')) ?? stderr.split('\n')[0] ?? '';
  return line.replace(/^(fatal|error):\s*/, '').slice(0, 300);
}
