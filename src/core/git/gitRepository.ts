/**
 * Read-only queries on one repository. Every method validates its inputs (validate.ts) before git runs,
 * so a hostile sha/path from an alert is refused with a GitInputError and no process is spawned.
 *
 * Queries that only name immutable objects (shas) are cached by the runner; queries on HEAD, refs, tags
 * or the working tree are not.
 */
import { GitError, GitRunner, classifyStderr, type GitRunnerOptions, type RunOptions } from './gitRunner';
import { COMMIT_FORMAT, TAG_FORMAT, fileDiffFromPatch, parseBlameLinePorcelain, parseBlamePorcelain, parseLog, parseNameStatusZ, parseTags, type ParseStats } from './parse';
import type { BlameLine, CommitInfo, FileDiff, TagInfo } from './types';
import { GitInputError, WORKING_TREE, assertLine, assertRepoPath, assertRev, assertSha, assertTagGlob, isSha } from './validate';

export interface QueryOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RangeOptions extends QueryOptions {
  /** Include per-file hunks (`-p -U0`). Default true; false lists changed files only (`--name-status`). */
  withHunks?: boolean;
  /** Limit to these repo-relative paths. */
  paths?: readonly string[];
  /** At most this many commits (newest first). Default 500. */
  maxCommits?: number;
  maxBufferBytes?: number;
  /** `-w`: whitespace-only changes vanish (a commit that only re-indents lists no files). */
  ignoreWhitespace?: boolean;
  /** Keep the removed/added line texts of each hunk (bounded; see HUNK_TEXT_LIMITS). */
  withText?: boolean;
}

export interface BlameRangeOptions extends QueryOptions {
  /** Blame only the commits after this one (`<since>..<rev>`): older lines come back as boundary lines. */
  since?: string;
  /** `-w`. */
  ignoreWhitespace?: boolean;
  /** Commits blame looks through (`--ignore-rev`); each must exist in the clone. */
  ignoreRevs?: readonly string[];
  /** Repo-relative path of an ignore-revs file (`.git-blame-ignore-revs`) in the working tree. */
  ignoreRevsFile?: string;
}

export interface FileAtRevision {
  content: string;
  /** Size in bytes. */
  size: number;
  /** Contains a NUL byte in its first 8000 bytes (git's own heuristic): do not show as text. */
  binary: boolean;
}

export interface BlobAtRevision extends FileAtRevision {
  /** The blob id. */
  oid: string;
}

/** Tag globs tried when the host configures none. */
export const DEFAULT_TAG_PATTERNS: readonly string[] = ['deploy-*', 'release-*', 'v*'];

/** Flags that pin diff output whatever the user's config says (prefixes, external drivers, colours, signatures). */
const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--inter-hunk-context=0', '--find-renames'];

export class GitRepository {
  /** Last parse's dropped (invalid) records, for diagnostics. */
  lastDropped = 0;

  constructor(readonly runner: GitRunner) {}

  /** The repository top level (every path in this API is relative to it). */
  get root(): string {
    return this.runner.cwd;
  }

  /**
   * Opens the repository containing `dir`: resolves its top level so that repo-relative paths work from
   * any subfolder. Rejects with GitError `not-a-repo` / `git-not-found`.
   */
  static async open(dir: string, options: Omit<GitRunnerOptions, 'cwd'> = {}): Promise<GitRepository> {
    const probe = new GitRunner({ ...options, cwd: dir });
    const r = await probe.run(['rev-parse', '--show-toplevel']);
    const top = r.stdout.replace(/\r?\n$/, '');
    if (top === '') throw new GitError('not-a-repo', `not a git repository: ${dir} (bare repository or no work tree)`);
    return new GitRepository(new GitRunner({ ...options, cwd: top }));
  }

  private run(args: string[], opts: QueryOptions & RunOptions): Promise<{ stdout: string; exitCode: number }> {
    return this.runner.run(args, opts);
  }

  /** Full sha of HEAD. GitError `no-commits` in a fresh repository. */
  async headSha(opts: QueryOptions = {}): Promise<string> {
    return this.resolveCommit('HEAD', opts);
  }

  /** Full sha of a commit-ish (sha, HEAD, ref name). */
  async resolveCommit(rev: string, opts: QueryOptions = {}): Promise<string> {
    const r = assertRev(rev);
    const out = await this.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${r}^{commit}`], {
      ...opts,
      okExitCodes: [1],
      revs: [r],
      cacheable: isSha(r),
    });
    const sha = out.stdout.trim();
    if (out.exitCode !== 0 || !/^[0-9a-f]{40}$/.test(sha)) {
      if (r === 'HEAD') throw new GitError('no-commits', 'the repository has no commits yet');
      throw new GitError('unknown-revision', `unknown revision ${r} — fetch the deployed commits?`);
    }
    return sha;
  }

  /**
   * Commits reachable from `local` and from no remote-tracking branch of `remote` (all remotes when `remote` is not
   * a remote's name, e.g. a URL), newest first, with their parents; at most `max` (1–5000). For a push that creates
   * a branch: what the remote does not have yet.
   */
  async commitsNotOnRemote(local: string, remote: string | undefined, max: number, opts: QueryOptions = {}): Promise<Array<{ sha: string; parents: string[] }>> {
    const l = assertSha(local, 'local sha');
    if (!Number.isInteger(max) || max < 1 || max > 5000) throw new GitInputError(`invalid max ${String(max)}`);
    const name = remote !== undefined && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(remote) ? remote : undefined;
    const remotes = name !== undefined && (await this.run(['remote'], opts)).stdout.split(/\r?\n/).map((x) => x.trim()).includes(name) ? `--remotes=${name}` : '--remotes';
    const out = await this.run(['log', '--no-show-signature', '--format=%H %P', `--max-count=${max}`, '--not', remotes, '--not', '--end-of-options', l, '--'], { ...opts, revs: [l] });
    const commits: Array<{ sha: string; parents: string[] }> = [];
    for (const line of out.stdout.split('\n')) {
      const [sha, ...parents] = line.trim().split(' ').filter(Boolean);
      if (sha && isSha(sha) && parents.every(isSha)) commits.push({ sha, parents });
    }
    return commits;
  }

  /** Of `shas`, those no other one contains (`git merge-base --independent`). */
  async independentCommits(shas: readonly string[], opts: QueryOptions = {}): Promise<string[]> {
    const s = shas.map((x) => assertSha(x));
    if (s.length === 0) return [];
    const out = await this.run(['merge-base', '--independent', '--end-of-options', ...s], { ...opts, revs: s, cacheable: true });
    return out.stdout.split('\n').map((x) => x.trim()).filter(isSha);
  }

  /** Whether the commit is present in this clone (false rather than an error when it is not). */
  async commitExists(sha: string, opts: QueryOptions = {}): Promise<boolean> {
    const s = assertSha(sha);
    // Not cached: a negative answer changes after a fetch, and a positive one is cheap.
    const out = await this.runner.run(['cat-file', '-e', `${s}^{commit}`], { ...opts, okExitCodes: [1, 128] });
    if (out.exitCode === 0) return true;
    // 128 also means "this is no repository at all": only a missing object is a plain "no".
    const e = classifyStderr(out.stderr, 'cat-file', [s], { exitCode: out.exitCode }, this.root);
    if (e.code !== 'unknown-revision' && e.code !== 'failed') throw e;
    return false;
  }

  /**
   * The URL of the remote `origin`, else of the first remote listed, as `git remote get-url` prints it (so
   * `insteadOf` rewrites apply); undefined when the repository has no remote. Untrusted text: it may carry
   * credentials — parse it with `parseRemoteUrl`, which keeps only the host and the repository path.
   */
  async remoteUrl(opts: QueryOptions = {}): Promise<string | undefined> {
    const names = (await this.run(['remote'], opts)).stdout.split(/\r?\n/).map((s) => s.trim()).filter((s) => /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(s));
    const name = names.includes('origin') ? 'origin' : names[0];
    if (name === undefined) return undefined;
    const out = await this.run(['remote', 'get-url', name], { ...opts, okExitCodes: [2, 128] });
    const url = out.exitCode === 0 ? out.stdout.split(/\r?\n/)[0]?.trim() : undefined;
    return url ? url.slice(0, 4096) : undefined;
  }

  /** Whether `ancestor` is an ancestor of (or equal to) `descendant`. */
  async isAncestor(ancestor: string, descendant: string, opts: QueryOptions = {}): Promise<boolean> {
    const a = assertRev(ancestor, 'ancestor');
    const d = assertRev(descendant, 'descendant');
    const out = await this.run(['merge-base', '--is-ancestor', a, d], { ...opts, okExitCodes: [1], revs: [a, d], cacheable: isSha(a) && isSha(d) });
    return out.exitCode === 0;
  }

  /**
   * Commits in `fromSha..toSha` (reachable from `toSha`, not from `fromSha`), newest first, without merge
   * commits: a merge is looked through to the commits it brought in, which carry the real change.
   * With hunks, each file lists its `-U0` hunks in that commit's own line numbers; renames are detected.
   */
  async commitsInRange(fromSha: string, toSha: string, opts: RangeOptions = {}): Promise<CommitInfo[]> {
    const from = assertSha(fromSha, 'range start sha');
    const to = assertSha(toSha, 'range end sha');
    const paths = (opts.paths ?? []).map((p) => assertRepoPath(p));
    const max = opts.maxCommits ?? 500;
    if (!Number.isInteger(max) || max < 1) throw new GitInputError(`invalid maxCommits ${String(max)}`);
    const withHunks = opts.withHunks !== false;
    const listing = withHunks ? ['-p', '-U0'] : ['-z', '--name-status'];
    if (opts.ignoreWhitespace === true) listing.push('-w');
    if (withHunks) listing.push('--full-index');
    const args = ['log', '--no-merges', '--no-show-signature', ...DIFF_FLAGS, ...listing, COMMIT_FORMAT, `--max-count=${max}`, '--end-of-options', `${from}..${to}`, '--', ...paths];
    const run: RunOptions = { ...opts, revs: [from, to], cacheable: true };
    if (opts.maxBufferBytes !== undefined) run.maxBufferBytes = opts.maxBufferBytes;
    const out = await this.run(args, run);
    const stats: ParseStats = { dropped: 0 };
    const commits = parseLog(out.stdout, withHunks ? 'patch' : 'name-status', stats, { withText: opts.withText === true });
    this.lastDropped = stats.dropped;
    return commits;
  }

  /**
   * The newest commits reachable from `to` (and not from `from`, when given), newest first, with the full message
   * (untrusted text, each cut at `maxMessageChars`): for "Link Fix Commit…" and `Fixes-Alert` trailers. Bounded by
   * `max` (1–500, default 50); merges included (a merge message may carry the trailer).
   */
  async commitMessages(to: string, opts: QueryOptions & { from?: string; max?: number; maxMessageChars?: number } = {}): Promise<Array<{ sha: string; subject: string; message: string; authorTime: number }>> {
    const t = assertRev(to, 'range end');
    const f = opts.from !== undefined ? assertSha(opts.from, 'range start sha') : undefined;
    const max = opts.max ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 500) throw new GitInputError(`invalid max ${String(max)}`);
    const cut = opts.maxMessageChars ?? 16_000;
    const out = await this.run(['log', '-z', '--no-show-signature', '--format=%H%x00%at%x00%B', `--max-count=${max}`, '--end-of-options', f ? `${f}..${t}` : t, '--'], {
      ...opts,
      revs: f ? [f, t] : [t],
      cacheable: isSha(t) && (f === undefined || isSha(f)),
      maxBufferBytes: Math.min(64 * 1024 * 1024, max * (cut + 200) * 4),
    });
    const parts = out.stdout.split('\0');
    const commits: Array<{ sha: string; subject: string; message: string; authorTime: number }> = [];
    for (let i = 0; i + 2 < parts.length && commits.length < max; i += 3) {
      const sha = (parts[i] ?? '').replace(/^\n/, '');
      const at = Number(parts[i + 1]);
      const message = (parts[i + 2] ?? '').slice(0, cut);
      if (!/^[0-9a-f]{40}$/.test(sha) || !Number.isFinite(at)) continue;
      commits.push({ sha, subject: message.split('\n', 1)[0]!.slice(0, 500), message, authorTime: at * 1000 });
    }
    return commits;
  }

  /**
   * Who last changed `line` of `path` at `rev` (a sha, HEAD, or undefined / WORKING_TREE for the working
   * tree, where uncommitted lines come back with `uncommitted: true`).
   */
  async blame(path: string, line: number, rev?: string, opts: QueryOptions & { ignoreWhitespace?: boolean } = {}): Promise<BlameLine> {
    const p = assertRepoPath(path);
    const n = assertLine(line);
    const r = rev === undefined || rev === WORKING_TREE ? undefined : assertRev(rev);
    const args = ['blame', '--porcelain', '-L', `${n},${n}`];
    if (opts.ignoreWhitespace === true) args.push('-w');
    if (r !== undefined) args.push(r);
    args.push('--', p);
    const out = await this.run(args, { ...opts, revs: r === undefined ? [] : [r], cacheable: r !== undefined && isSha(r) });
    const parsed = parseBlamePorcelain(out.stdout);
    if (parsed === undefined) throw new GitError('parse', `could not read git blame output for ${p}:${n}`);
    return parsed;
  }

  /**
   * Who last changed each of lines `start`..`end` of `path` at `rev` (`git blame --line-porcelain`), by line
   * number; with `since`, only commits after it are walked and older lines come back with `boundary: true`
   * (what keeps blame cheap in a long history).
   */
  async blameLines(path: string, start: number, end: number, rev: string, opts: BlameRangeOptions = {}): Promise<Map<number, BlameLine>> {
    return this.blameRanges(path, [[start, end]], rev, opts);
  }

  /** `blameLines` over several line ranges of one file in one git call (`-L a,b -L c,d`). */
  async blameRanges(path: string, ranges: ReadonlyArray<readonly [number, number]>, rev: string, opts: BlameRangeOptions = {}): Promise<Map<number, BlameLine>> {
    const p = assertRepoPath(path);
    if (ranges.length === 0 || ranges.length > 100) throw new GitInputError(`invalid number of blame ranges ${ranges.length}`);
    const r = assertSha(rev, 'blame revision');
    const since = opts.since === undefined ? undefined : assertSha(opts.since, 'blame range start');
    const args = ['blame', '--line-porcelain'];
    for (const [start, end] of ranges) {
      const a = assertLine(start);
      const b = assertLine(end);
      if (b < a || b - a > 5000) throw new GitInputError(`invalid blame range ${a}-${b}`);
      args.push('-L', `${a},${b}`);
    }
    if (opts.ignoreWhitespace === true) args.push('-w');
    if (opts.ignoreRevsFile !== undefined) args.push(`--ignore-revs-file=${assertRepoPath(opts.ignoreRevsFile, 'ignore-revs file')}`);
    for (const s of opts.ignoreRevs ?? []) args.push(`--ignore-rev=${assertSha(s, 'ignored revision')}`);
    args.push(since === undefined ? r : `${since}..${r}`, '--', p);
    const out = await this.run(args, { ...opts, revs: since === undefined ? [r] : [since, r], cacheable: opts.ignoreRevsFile === undefined });
    return parseBlameLinePorcelain(out.stdout);
  }

  /**
   * Tags matching the globs (default `deploy-*`, `release-*`, `v*`), annotated or lightweight, with the
   * commit they point at and their date, oldest first.
   */
  async tags(patterns: readonly string[] = DEFAULT_TAG_PATTERNS, opts: QueryOptions = {}): Promise<TagInfo[]> {
    const globs = patterns.map((p) => `refs/tags/${assertTagGlob(p)}`);
    if (globs.length === 0) return [];
    const out = await this.run(['for-each-ref', TAG_FORMAT, ...globs], opts);
    const stats: ParseStats = { dropped: 0 };
    const tags = parseTags(out.stdout, stats);
    this.lastDropped = stats.dropped;
    return tags.sort((a, b) => a.date - b.date || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The file's content at a commit, refusing files larger than `maxBytes` (default 2 MiB). */
  async showFileAt(sha: string, path: string, opts: QueryOptions & { maxBytes?: number } = {}): Promise<FileAtRevision> {
    const s = assertSha(sha);
    const p = assertRepoPath(path);
    const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024;
    // The object name starts with hex, so it can never be read as an option.
    const spec = `${s}:${p}`;
    // One call: git stops at the buffer cap, so a huge blob is refused without reading it all.
    let out: { stdout: string };
    try {
      out = await this.run(['cat-file', 'blob', spec], { ...opts, revs: [s], cacheable: true, maxBufferBytes: maxBytes });
    } catch (e) {
      if (e instanceof GitError && e.code === 'output-too-large') throw new GitError('output-too-large', `${p} at ${s.slice(0, 12)} is over the ${maxBytes}-byte limit`);
      throw e;
    }
    const size = Buffer.byteLength(out.stdout, 'utf8');
    // A cached answer was read under another call's limit.
    if (size > maxBytes) throw new GitError('output-too-large', `${p} at ${s.slice(0, 12)} is ${size} bytes, over the ${maxBytes}-byte limit`);
    return { content: out.stdout, size, binary: out.stdout.slice(0, 8000).includes('\u0000') };
  }

  /**
   * Several files at one commit in one `git cat-file --batch`: content and blob id of each, undefined for a
   * path that is missing there, not a file, or larger than `maxBytes` (default 2 MiB).
   */
  async readBlobs(sha: string, paths: readonly string[], opts: QueryOptions & { maxBytes?: number } = {}): Promise<Map<string, BlobAtRevision | undefined>> {
    const s = assertSha(sha);
    const ps = paths.map((p) => assertRepoPath(p));
    const out = new Map<string, BlobAtRevision | undefined>();
    if (ps.length === 0) return out;
    const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024;
    // One process for all files; the buffer cap bounds the total, and a blob over maxBytes is dropped below.
    const wanted = ps;
    const cap = Math.min(ps.length * (maxBytes + 200), 64 * 1024 * 1024);
    const res = await this.run(['cat-file', '--batch'], { ...opts, input: ps.map((p) => `${s}:${p}\n`).join(''), revs: [s], cacheable: true, encoding: 'latin1', maxBufferBytes: cap });
    const text = res.stdout;
    let pos = 0;
    for (const p of wanted) {
      const nl = text.indexOf('\n', pos);
      const head = text.slice(pos, nl < 0 ? undefined : nl);
      const m = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)$/.exec(head);
      if (nl < 0 || (m === null && !/ missing$| ambiguous$/.test(head))) throw new GitError('parse', `could not read git cat-file --batch output for ${p}`);
      if (m === null) {
        // "<name> missing": no such path at that commit.
        out.set(p, undefined);
        pos = nl + 1;
        continue;
      }
      const size = Number(m[3]);
      const bytes = Buffer.from(text.slice(nl + 1, nl + 1 + size), 'latin1');
      pos = nl + 1 + size + 1;
      if (m[2] !== 'blob' || size > maxBytes) {
        out.set(p, undefined);
        continue;
      }
      out.set(p, { oid: m[1] ?? '', content: bytes.toString('utf8'), size, binary: bytes.subarray(0, 8000).includes(0) });
    }
    return out;
  }

  /**
   * Hunks (`-U0`) of `path` between `fromSha` and `to` (a sha, HEAD, or WORKING_TREE), following a rename:
   * if `path` is gone in `to`, the whole-tree rename list is consulted and the diff redone on both names.
   */
  async diffHunks(fromSha: string, to: string, path: string, opts: QueryOptions = {}): Promise<FileDiff> {
    const from = assertSha(fromSha, 'from sha');
    const toRev = to === WORKING_TREE ? undefined : assertRev(to, 'to revision');
    const p = assertRepoPath(path);
    const revs = toRev === undefined ? [from] : [from, toRev];
    const cacheable = toRev !== undefined && isSha(toRev);
    const base = ['diff', '-U0', ...DIFF_FLAGS, '--end-of-options', ...revs, '--'];
    const first = fileDiffFromPatch((await this.run([...base, p], { ...opts, revs, cacheable })).stdout, p);
    if (first.status !== 'deleted') return first;
    const names = await this.run(['diff', '-z', '--name-status', '--find-renames', '--no-color', '--end-of-options', ...revs, '--'], { ...opts, revs, cacheable });
    const renamed = parseNameStatusZ(names.stdout).find((f) => f.status === 'renamed' && f.oldPath === p);
    if (renamed === undefined) return first;
    const again = fileDiffFromPatch((await this.run([...base, p, renamed.path], { ...opts, revs, cacheable })).stdout, p);
    return again.status === 'unchanged' ? { oldPath: p, newPath: renamed.path, status: 'renamed', binary: false, hunks: [] } : again;
  }
}
