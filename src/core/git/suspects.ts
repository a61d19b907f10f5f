/**
 * Suspect commits for an alert: which commits of the deploy that was live when the alert started touch
 * the code in its stack trace.
 *
 * Input frames are already resolved to repo-relative paths and lines *of the deployed version* (the
 * stack-trace resolver does that; `suspectsForTrace` in traceSuspects.ts goes from a parsed trace to here).
 * Three steps:
 *
 *  1. **Range scan** — one `git log -p -U0 -w` of the deploy range, parsed once and shared by every frame:
 *     which files each commit changed, its hunks, and whether it only reformats (no change left under `-w`,
 *     every hunk equal once whitespace, quotes, semicolons and trailing commas are normalised, or listed in
 *     `.git-blame-ignore-revs`), or is undone by a revert in the same range.
 *  2. **Scoring** — `git blame -w <from>..<to>` of a window around each frame line (its function, ±3 lines)
 *     tells which range commit wrote which deployed line, through later moves, renames and re-indents;
 *     formatting commits are looked through (`--ignore-rev`, `--ignore-revs-file`). Blame stops at the
 *     previous deploy, so it never walks old history. Scores, multiplied by the frame weight
 *     1 / (1 + depth/2):
 *
 *       changed the frame's line                          100
 *       changed code the failing line calls                45  (a function named on the line, declared in
 *                                                              the frame's file or a module it imports)
 *       changed within 3 lines of it / removed lines next to it   40
 *       changed the frame's function                       25
 *       changed the frame's file                           10  (counted once per file)
 *       changed a module the frame's file imports           6
 *       changed a file in the frame's folder                3  (counted once per folder)
 *
 *     A commit's score is its best hit plus a quarter of the rest, capped at a quarter of the best: many
 *     weak hits never beat one strong hit. Every commit of the range is listed, with its reason; formatting-
 *     only and reverted commits come after every other one, whatever they touched.
 *  3. **Blame fallback** — when the range is unknown (no deploy, no previous deploy, commits not fetched,
 *     rollback), suspects are the commits that last changed each frame line (`git blame -w`), labelled
 *     `basis: 'blame-fallback'`; a boundary (root or shallow) commit comes after every real one.
 *
 * Ordering is deterministic: demoted last, then score, then the innermost frame hit, then newest, then sha.
 */
import * as fs from 'node:fs';
import { posix } from 'node:path';
import { GitError } from './gitRunner';
import type { GitRepository, QueryOptions } from './gitRepository';
import type { BlameLine, CommitInfo, FileChange, GitPerson } from './types';
import { GitInputError, assertLine, assertRepoPath, assertSha, describe, isSha, sameSha } from './validate';
import { errorText } from '../util/errors';

/** A stack frame resolved to the repository (innermost first in the list). */
export interface SuspectFrameInput {
  /** Repo-relative POSIX path. */
  path: string;
  /** 1-based line in the deployed version. */
  line: number;
  function?: string;
  /** Frames with `inApp: false` are ignored. */
  inApp?: boolean;
}

export interface SuspectOptions extends QueryOptions {
  /** Innermost first. */
  frames: readonly SuspectFrameInput[];
  /** What the deploy shipped (from deployInEffect). Absent → blame fallback. */
  range?: { from: string; to: string };
  /** The version the frame lines refer to when there is no range (alert.commitSha / deploy sha). Default HEAD. */
  rev?: string;
  /** Why the range is missing, to pass on in the report (e.g. deployInEffect's reason). */
  rangeUnavailableReason?: string;
  /** "Now" for blame ages. Default Date.now(). */
  now?: number;
  maxFrames?: number;
  /** Cap on the suspects listed (default: every commit of the range, up to maxCommits). */
  maxSuspects?: number;
  /** Commits of the range analysed, newest first (default DEFAULT_MAX_COMMITS; more leave a warning). */
  maxCommits?: number;
}

/** A 1,000-commit deploy is ranked whole by default (the size the speed goal of issue #19 is measured at). */
export const DEFAULT_MAX_COMMITS = 1000;

export type SuspectBasis = 'deploy-range' | 'blame-fallback';

/** Why a commit is listed after every other one. */
export type Demotion = 'formatting' | 'reverted' | 'boundary';

export interface Suspect {
  sha: string;
  shortSha: string;
  author: GitPerson;
  /** Author time, ISO. */
  authoredAt: string;
  authorTime: number;
  commitTime: number;
  /** Untrusted text: display only. */
  subject: string;
  score: number;
  /** Best reason first, e.g. "changed line 42 of src/cart.ts (top frame)". */
  reasons: string[];
  /** Frame (0 = innermost) of this commit's strongest reason, `reasons[0]`. */
  frameDepth: number;
  basis: SuspectBasis;
  /** Set when the commit cannot be the cause (reformat, reverted, boundary): listed after every other one. */
  demoted?: Demotion;
}

export interface FrameBlame {
  sha: string;
  shortSha: string;
  author: GitPerson;
  authoredAt: string;
  /** Whole days between the commit and `now`. */
  ageDays: number;
  summary: string;
  boundary: boolean;
  uncommitted: boolean;
}

export interface FrameReport {
  /** Position among the in-app frames (0 = innermost). */
  depth: number;
  path: string;
  line: number;
  function?: string;
  /** Who last changed this line in the version the alert runs (whitespace ignored). */
  blame?: FrameBlame;
  /** A commit of the deploy range changed this line. Undefined when the range is unknown. */
  changedInThisDeploy?: boolean;
  /** Why blame failed for this frame, if it did. */
  error?: string;
}

export interface SuspectReport {
  basis: SuspectBasis;
  /** One sentence for the UI on what the list is based on. */
  basisNote: string;
  range?: { from: string; to: string };
  /** The version the frame lines were read in. */
  rev: string;
  /** Commits in the range (without merges), whether or not they are suspects. */
  rangeCommitCount?: number;
  suspects: Suspect[];
  frames: FrameReport[];
  /** Things the user should know (dropped frames, missing commits, truncated history). */
  warnings: string[];
}

const SCORE = { line: 100, callee: 45, near: 40, function: 25, file: 10, import: 6, dir: 3, none: 0 } as const;
type Level = keyof typeof SCORE;
const NEAR_LINES = 3;
const DAY_MS = 86_400_000;
/** Blame window cap around a frame line (a 5,000-line function is blamed around the line only). */
const MAX_WINDOW = 400;
/** Frames whose failing line is searched for called functions. */
const CALLER_FRAMES = 3;
const MAX_CALLEE_FILES = 8;
const MAX_NAMES_PER_LINE = 8;
export const IGNORE_REVS_FILE = '.git-blame-ignore-revs';

export function frameWeight(depth: number): number {
  return 1 / (1 + depth / 2);
}

function frameLabel(depth: number): string {
  return depth === 0 ? 'top frame' : `frame #${depth + 1}`;
}

/**
 * The bare function name of a frame's function text (`CartService.addItem [as add]` → `addItem`,
 * `main.(*Cart).Add` → `Add`, `Cart#add` → `add`); undefined for anonymous frames.
 */
export function simpleFunctionName(fn: string | undefined): string | undefined {
  if (fn === undefined) return undefined;
  const cleaned = fn.replace(/\s*\[as [^\]]*\]\s*$/, '').replace(/^(?:async|new|static|get|set)\s+/, '');
  const parts = cleaned.split(/[.:#\s/]+/).filter((p) => p !== '');
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = (parts[i] ?? '').replace(/[()*]/g, '');
    if (/^[A-Za-z_$][\w$]{0,100}$/.test(p) && !['anonymous', 'lambda', 'module', 'Object'].includes(p)) return p;
  }
  return undefined;
}

function declarationRe(name: string): RegExp | undefined {
  if (!/^[A-Za-z_$][\w$]{0,100}$/.test(name)) return undefined;
  const n = name.replace(/\$/g, '\\$');
  return new RegExp(
    `(?:\\bfunction\\s*\\*?\\s*${n}\\b|(?:^|[^\\w$.])${n}\\s*[:=]\\s*(?:async\\s+)?(?:function\\b|\\(|[\\w$]+\\s*=>)|^\\s*(?:(?:public|private|protected|static|async|override|readonly|export|default|get|set)\\s+)*${n}\\s*(?:<[^>]{0,200}>)?\\s*\\(|\\bdef\\s+${n}\\b|\\bfunc\\s+(?:\\([^)]{0,200}\\)\\s*)?${n}\\b|\\bfn\\s+${n}\\b|\\b(?:void|int|long|bool|boolean|string|String|var|Task|async)\\b[^=;(]{0,200}\\b${n}\\s*\\()`,
  );
}

/** The declaration at line `i` (1-based) runs to the first later line indented no deeper (included when it closes it). */
function declarationEnd(lines: string[], i: number): number {
  const indent = indentOf(lines[i - 1] ?? '');
  for (let j = i + 1; j <= Math.min(lines.length, i + 5000); j++) {
    const t = lines[j - 1] ?? '';
    if (t.trim() === '') continue;
    if (indentOf(t) <= indent) return /^\s*(?:[})\]]|end\b)/.test(t) ? j : j - 1;
  }
  return lines.length;
}

/**
 * Cheap, language-agnostic guess of the lines of the function `name` that contains `line`: the nearest
 * declaration of `name` above, to the first later line indented no deeper than the declaration (included
 * when it closes it: `}`, `)`, `end`). Undefined when no declaration is found or it does not contain `line`.
 */
export function inferFunctionRange(content: string, line: number, name: string): { start: number; end: number } | undefined {
  const decl = declarationRe(name);
  if (decl === undefined) return undefined;
  const lines = content.split('\n');
  const from = Math.min(line, lines.length);
  for (let i = from; i >= Math.max(1, from - 500); i--) {
    if (!decl.test(lines[i - 1] ?? '')) continue;
    const end = declarationEnd(lines, i);
    return end >= line ? { start: i, end } : undefined;
  }
  return undefined;
}

/** Lines of the first declaration of `name` anywhere in `content` (a function a failing line calls). */
export function findDeclaration(content: string, name: string): { start: number; end: number } | undefined {
  const decl = declarationRe(name);
  if (decl === undefined) return undefined;
  const lines = content.split('\n');
  for (let i = 1; i <= Math.min(lines.length, 20_000); i++) {
    if (decl.test(lines[i - 1] ?? '')) return { start: i, end: declarationEnd(lines, i) };
  }
  return undefined;
}

function indentOf(s: string): number {
  const m = /^[ \t]*/.exec(s)?.[0] ?? '';
  return m.replace(/\t/g, '    ').length;
}

const NOT_CALLS = new Set([
  'if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'typeof', 'await', 'new', 'throw', 'require', 'import', 'super', 'this', 'print', 'len', 'str', 'int',
  'float', 'list', 'dict', 'set', 'range', 'isinstance', 'assert', 'Error', 'TypeError', 'RangeError', 'Number', 'String', 'Boolean', 'Array', 'Object', 'JSON', 'Math',
  'Promise', 'console', 'log', 'push', 'map', 'filter', 'reduce', 'forEach', 'join', 'split', 'slice', 'toString', 'then', 'get', 'has', 'format', 'append', 'fmt', 'make',
]);

/** Functions a source line calls (`a.priceOf(x)`, `priceOf (x)`): bare names, at most MAX_NAMES_PER_LINE. */
export function calledNames(line: string): string[] {
  const out: string[] = [];
  const re = /([A-Za-z_$][\w$]{0,100})\s*\(/g;
  for (let m = re.exec(line.slice(0, 2000)); m !== null && out.length < MAX_NAMES_PER_LINE; m = re.exec(line)) {
    const n = m[1] ?? '';
    if (!NOT_CALLS.has(n) && !out.includes(n)) out.push(n);
  }
  return out;
}

const JS_EXTS = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

/**
 * Repo-relative candidate paths of the modules a source file imports (JS/TS `import`/`require`, Python
 * `from x import` / `import x`, Ruby `require_relative`). Candidates only: the caller keeps those that exist.
 */
export function importedPaths(content: string, fromPath: string): string[] {
  const dir = posix.dirname(fromPath);
  const out = new Set<string>();
  const add = (p: string): void => {
    const n = posix.normalize(p);
    if (!n.startsWith('..') && !posix.isAbsolute(n) && n !== '.') out.add(n);
  };
  const text = content.slice(0, 200_000);
  for (const m of text.matchAll(/(?:\bfrom\s+|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire_relative\s+)['"](\.{1,2}\/[^'"\n]{1,300})['"]/gm)) {
    const spec = posix.join(dir, m[1] ?? '');
    if (/\.[cm]?[jt]sx?$|\.rb$/.test(spec)) add(spec);
    else if (/^\s*require_relative/.test(m[0])) add(`${spec}.rb`);
    for (const e of JS_EXTS) {
      add(`${spec}${e}`);
      add(`${spec}/index${e}`);
    }
    // Compiled TypeScript imports './x.js' for x.ts.
    if (/\.js$/.test(spec)) add(spec.replace(/\.js$/, '.ts'));
  }
  for (const m of text.matchAll(/^\s*from\s+(\.*)([\w.]{0,200})\s+import\b|^\s*import\s+([\w.]{1,200})/gm)) {
    const dots = m[1] ?? '';
    const mod = (m[2] ?? m[3] ?? '').split('.').filter((x) => x !== '');
    if (mod.length === 0) continue;
    const bases = dots === '' ? ['', dir] : [posix.join(dir, ...Array.from({ length: dots.length - 1 }, () => '..'))];
    for (const b of bases) {
      add(posix.join(b, ...mod) + '.py');
      add(posix.join(b, ...mod, '__init__.py'));
    }
  }
  return [...out];
}

interface Frame {
  depth: number;
  path: string;
  line: number;
  function?: string;
  fnName?: string;
}

function prepareFrames(input: readonly SuspectFrameInput[], max: number, warnings: string[]): Frame[] {
  const frames: Frame[] = [];
  const seen = new Set<string>();
  let depth = 0;
  for (const f of input) {
    if (f.inApp === false) continue;
    const d = depth++;
    try {
      const path = assertRepoPath(f.path, 'frame path');
      const line = assertLine(f.line, 'frame line');
      const key = `${path}:${line}`;
      if (seen.has(key)) continue; // recursion: the innermost occurrence already counts
      seen.add(key);
      if (frames.length >= max) {
        warnings.push(`only the first ${max} in-app frames were analysed`);
        break;
      }
      const fr: Frame = { depth: d, path, line };
      if (typeof f.function === 'string' && f.function !== '') {
        fr.function = f.function;
        const n = simpleFunctionName(f.function);
        if (n !== undefined) fr.fnName = n;
      }
      frames.push(fr);
    } catch (e) {
      warnings.push(`ignored frame ${describe(f.path)}: ${(e as Error).message}`);
    }
  }
  return frames;
}

interface Hit {
  level: Level;
  depth: number;
  reason: string;
  /** For file/folder/import hits: counted once per commit per key (`file:<path>` / `dir:<folder>`). */
  key?: string;
  /** Folder of the file the hit is about (a folder hit is dropped when the commit already hit a file there). */
  dir?: string;
}

/** Paths in reasons are display text: make control characters (tabs, newlines in odd file names) visible. */
function printable(p: string): string {
  // eslint-disable-next-line no-control-regex
  return p.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function rethrowCancel(e: unknown): void {
  if (e instanceof GitError && e.code === 'cancelled') throw e;
}

function queryOptions(opts: QueryOptions): QueryOptions {
  const q: QueryOptions = {};
  if (opts.signal !== undefined) q.signal = opts.signal;
  if (opts.timeoutMs !== undefined) q.timeoutMs = opts.timeoutMs;
  return q;
}

/** Ranks the commits of the deploy range (or, failing that, the blamed commits) against the alert's frames. */
export async function findSuspects(repo: GitRepository, opts: SuspectOptions): Promise<SuspectReport> {
  const warnings: string[] = [];
  const frames = prepareFrames(opts.frames, opts.maxFrames ?? 20, warnings);
  const now = opts.now ?? Date.now();
  const q = queryOptions(opts);
  // Cached git answers do not look at the signal: an alert dismissed before we start gets nothing.
  if (opts.signal?.aborted === true) throw new GitError('cancelled', 'suspect search cancelled');
  const fallback = (rev: string | undefined, why: string): Promise<SuspectReport> => blameFallback(repo, frames, rev, why, now, warnings, q, opts.maxSuspects);

  if (frames.length === 0) {
    return { basis: opts.range === undefined ? 'blame-fallback' : 'deploy-range', basisNote: 'no in-app frame with a repository path: nothing to match commits against', rev: opts.range?.to ?? opts.rev ?? 'HEAD', suspects: [], frames: [], warnings };
  }
  if (opts.range === undefined) return fallback(opts.rev, opts.rangeUnavailableReason ?? 'the deploy range is unknown');
  const from = assertSha(opts.range.from.toLowerCase(), 'range start sha');
  const to = assertSha(opts.range.to.toLowerCase(), 'range end sha');
  // The range log and the frame files start with the range check rather than after it (the log is most of
  // the time, the check a git call or two): when the check sends us to the blame fallback instead, a missing
  // commit has failed the log at once and a rollback's log is empty.
  const scanWarnings: string[] = [];
  const speculative = !sameSha(from, to);
  const scanning = speculative ? scanRange(repo, from, to, opts.maxCommits ?? DEFAULT_MAX_COMMITS, scanWarnings, q) : undefined;
  const reading = speculative ? readFiles(repo, to, frames.map((f) => f.path), q) : undefined;
  scanning?.catch(() => undefined);
  const range = await checkRange(repo, { from, to }, warnings, q);
  if ('fallbackAt' in range || scanning === undefined || reading === undefined) {
    return fallback('fallbackAt' in range ? range.fallbackAt : to, 'fallbackAt' in range ? range.why : 'the deploy shipped no new commits');
  }
  const scan = await scanning;
  warnings.push(...scanWarnings);
  const scored = await scoreRange(repo, scan, frames, now, q, await reading);
  const limit = opts.maxSuspects ?? scored.suspects.length;
  return {
    basis: 'deploy-range',
    basisNote: `commits deployed in ${short(from)}..${short(to)}, ranked by how close they come to the stack trace`,
    range: { from, to },
    rev: to,
    rangeCommitCount: scan.commits.length,
    suspects: scored.suspects.slice(0, limit),
    frames: scored.frames,
    warnings,
  };
}

/**
 * The deploy range, if its commits can be ranked: both ends in this clone, and the deploy shipped new commits.
 * Otherwise the revision to blame at instead and why (a missing end also leaves a warning).
 */
async function checkRange(
  repo: GitRepository,
  range: { from: string; to: string },
  warnings: string[],
  q: QueryOptions,
): Promise<{ from: string; to: string } | { fallbackAt: string; why: string }> {
  const from = assertSha(range.from.toLowerCase(), 'range start sha');
  const to = assertSha(range.to.toLowerCase(), 'range end sha');
  if (sameSha(from, to)) return { fallbackAt: to, why: `the deploy redeployed ${short(to)}: it shipped no new commits` };
  // The usual case in one git call: both commits present (merge-base fails on a missing one), `from` an ancestor of `to`.
  let ancestor: boolean | undefined;
  try {
    ancestor = await repo.isAncestor(from, to, q);
  } catch (e) {
    rethrowCancel(e);
  }
  if (ancestor === true) return { from, to };
  if (ancestor === undefined) {
    const [toExists, fromExists] = await Promise.all([repo.commitExists(to, q), repo.commitExists(from, q)]);
    if (!toExists) {
      warnings.push(`deployed commit ${short(to)} is not in this clone — fetch the deployed commits? Lines were read at HEAD and may have drifted.`);
      return { fallbackAt: 'HEAD', why: `deployed commit ${short(to)} is not in this clone` };
    }
    if (!fromExists) {
      warnings.push(`previous deploy commit ${short(from)} is not in this clone — fetch the deployed commits?`);
      return { fallbackAt: to, why: `previous deploy commit ${short(from)} is not in this clone` };
    }
    // Both there, yet merge-base failed: ask again and let its error speak.
    if (await repo.isAncestor(from, to, q)) return { from, to };
  }
  if (await repo.isAncestor(to, from, q)) return { fallbackAt: to, why: `the deploy rolled back from ${short(from)} to ${short(to)}: it shipped no new commits` };
  warnings.push(`${short(from)} is not an ancestor of ${short(to)}: the range holds the commits of ${short(to)} not in ${short(from)}`);
  return { from, to };
}

// ---------------------------------------------------------------- 1. range scan

/** What the range scan learnt about one commit. */
interface CommitNote {
  /** Why the commit cannot have changed behaviour (reformat), if so. */
  formatting?: string;
  /** The commit and another one of the range undo each other. */
  reverted?: string;
}

export interface RangeScan {
  from: string;
  to: string;
  /** Newest first, without merges; files and hunks as `git log -p -U0 -w` shows them. */
  commits: CommitInfo[];
  withHunks: boolean;
  notes: Map<string, CommitNote>;
  /** `.git-blame-ignore-revs` exists in the working tree. */
  ignoreRevsFile?: string;
  /** Commits blame looks through: detected reformats (the ignore-revs file lists the rest). */
  ignoreRevs: string[];
}

/** One `git log -p -U0 -w` of the range, parsed once; reformats and revert pairs marked. */
export async function scanRange(repo: GitRepository, from: string, to: string, maxCommits: number, warnings: string[], q: QueryOptions): Promise<RangeScan> {
  let commits: CommitInfo[];
  let withHunks = true;
  try {
    commits = await repo.commitsInRange(from, to, { ...q, maxCommits: maxCommits + 1, ignoreWhitespace: true, withText: true });
  } catch (e) {
    if (!(e instanceof GitError) || e.code !== 'output-too-large') throw e;
    warnings.push('the deploy range diff is too large to read line by line; scoring by files only');
    withHunks = false;
    commits = await repo.commitsInRange(from, to, { ...q, maxCommits: maxCommits + 1, withHunks: false });
  }
  // One commit more than the cap is read to tell "exactly the cap" from "more than the cap".
  if (commits.length > maxCommits) {
    commits = commits.slice(0, maxCommits);
    warnings.push(`the deploy range has more than ${maxCommits} commits; only the newest ${maxCommits} were analysed`);
  }
  const notes = new Map<string, CommitNote>(commits.map((c) => [c.sha, {}]));
  const scan: RangeScan = { from, to, commits, withHunks, notes, ignoreRevs: [] };

  const listed = readIgnoreRevs(repo.root);
  if (listed !== undefined) scan.ignoreRevsFile = IGNORE_REVS_FILE;
  for (const c of commits) {
    const n = notes.get(c.sha)!;
    if (listed?.has(c.sha) === true) n.formatting = `listed in ${IGNORE_REVS_FILE} (a formatting commit)`;
    else if (withHunks) {
      const why = formattingOnly(c);
      if (why !== undefined) {
        n.formatting = why;
        scan.ignoreRevs.push(c.sha);
      }
    }
  }
  if (withHunks) markReverts(commits, notes);
  return scan;
}

/** The shas an ignore-revs file lists (comments and invalid lines skipped); undefined when there is none. */
function readIgnoreRevs(root: string): Set<string> | undefined {
  let text: string;
  try {
    const p = posix.join(root.split('\\').join('/'), IGNORE_REVS_FILE);
    const st = fs.statSync(p);
    if (!st.isFile() || st.size > 1_000_000) return undefined;
    text = fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
  const out = new Set<string>();
  for (const l of text.split(/\r?\n/)) {
    const t = l.replace(/#.*$/, '').trim().toLowerCase();
    if (/^[0-9a-f]{40}$/.test(t)) out.add(t);
  }
  return out;
}

/** Code with whitespace, quote style, semicolons and trailing commas taken out: what a formatter changes. */
function normalizeCode(lines: readonly string[]): string {
  return lines
    .join('\n')
    .replace(/['`]/g, '"')
    .replace(/,(\s*[)\]}])/g, '$1')
    .replace(/[\s;]+/g, '');
}

/** Why `c` only reformats (no change left under `-w`, or every hunk the same code once normalised); else undefined. */
function formattingOnly(c: CommitInfo): string | undefined {
  const files = c.files.filter((f) => !(f.status === 'renamed' && f.hunks.length === 0));
  if (files.length === 0) return c.files.length === 0 ? 'changes no file content, or only whitespace' : undefined;
  for (const f of files) {
    if (f.binary || f.status !== 'modified' || f.hunks.length === 0) return undefined;
    const removed: string[] = [];
    const added: string[] = [];
    for (const h of f.hunks) {
      if ((h.removed?.length ?? -1) !== h.oldLines || (h.added?.length ?? -1) !== h.newLines) return undefined; // text cut off: cannot tell
      removed.push(...(h.removed ?? []));
      added.push(...(h.added ?? []));
    }
    if (normalizeCode(removed) !== normalizeCode(added)) return undefined;
  }
  return 'only reformats (the code is the same once whitespace, quotes and semicolons are ignored)';
}

function patchSignature(c: CommitInfo, invert: boolean): string | undefined {
  if (c.files.length === 0 || c.files.some((f) => f.binary || f.hunks.length === 0 || f.status !== 'modified')) return undefined;
  const parts = c.files.map((f) => {
    const hunks = f.hunks.map((h) => {
      const [a, b] = invert ? [h.added, h.removed] : [h.removed, h.added];
      return `${(a ?? []).join('\n')}\u0001${(b ?? []).join('\n')}`;
    });
    return `${f.path}\u0000${hunks.join('\u0002')}`;
  });
  return parts.sort().join('\u0003');
}

/**
 * The files and hunk sizes of a commit (inverted: old and new swapped), or undefined when patchSignature
 * would be: a revert has the inverse shape of its original, so only commits whose shapes pair up need
 * their full text signature (most of a big range pairs with nothing).
 */
function patchShape(c: CommitInfo, invert: boolean): string | undefined {
  if (c.files.length === 0) return undefined;
  const parts: string[] = [];
  for (const f of c.files) {
    if (f.binary || f.hunks.length === 0 || f.status !== 'modified') return undefined;
    parts.push(`${f.path}\u0000${f.hunks.map((h) => (invert ? `${h.newLines},${h.oldLines}` : `${h.oldLines},${h.newLines}`)).join(' ')}`);
  }
  return parts.sort().join('\u0003');
}

/** A commit whose change a later commit of the range exactly undoes (a revert): both are marked. */
function markReverts(commits: CommitInfo[], notes: Map<string, CommitNote>): void {
  const shapes = new Map<string, number>();
  const own = new Map<CommitInfo, string>();
  for (const c of commits) {
    const s = patchShape(c, false);
    if (s === undefined) continue;
    own.set(c, s);
    shapes.set(s, (shapes.get(s) ?? 0) + 1);
  }
  const candidates = commits.filter((c) => {
    const s = own.get(c);
    if (s === undefined) return false;
    const inv = patchShape(c, true)!;
    // Another commit of that shape (a change that keeps its line count is its own inverse shape).
    return (shapes.get(inv) ?? 0) > (inv === s ? 1 : 0);
  });
  if (candidates.length < 2) return;
  const bySig = new Map<string, CommitInfo>();
  // Oldest first: the original comes before its revert.
  for (const c of [...candidates].reverse()) {
    const inverse = patchSignature(c, true);
    const original = inverse === undefined ? undefined : bySig.get(inverse);
    if (original !== undefined && !notes.get(original.sha)?.reverted) {
      notes.get(original.sha)!.reverted = `reverted by ${short(c.sha)} in the same deploy`;
      notes.get(c.sha)!.reverted = `reverts ${short(original.sha)} of the same deploy: no net change`;
      bySig.delete(inverse!);
      continue;
    }
    const sig = patchSignature(c, false);
    if (sig !== undefined && !bySig.has(sig)) bySig.set(sig, c);
  }
}

// ---------------------------------------------------------------- 2. scoring

interface Window {
  frame: Frame;
  start: number;
  end: number;
  fnRange?: { start: number; end: number };
  /** The failing line's text in the deployed version. */
  text?: string;
  blame?: Map<number, BlameLine>;
  error?: string;
}

interface BlameQuery {
  since?: string;
  ignoreRevsFile?: string;
  ignoreRevs: readonly string[];
}

function blameOptions(b: BlameQuery, q: QueryOptions): Parameters<GitRepository['blameLines']>[4] {
  const o: Parameters<GitRepository['blameLines']>[4] = { ...q, ignoreWhitespace: true, ignoreRevs: b.ignoreRevs };
  if (b.since !== undefined) o.since = b.since;
  if (b.ignoreRevsFile !== undefined) o.ignoreRevsFile = b.ignoreRevsFile;
  return o;
}

/** Deployed-version contents and blob ids of the given files (undefined: missing, binary or too large); one git call. */
async function readFiles(repo: GitRepository, rev: string, paths: Iterable<string>, q: QueryOptions): Promise<Map<string, { content: string; oid: string } | undefined>> {
  const out = new Map<string, { content: string; oid: string } | undefined>();
  const list = [...new Set(paths)];
  try {
    for (const [p, b] of await repo.readBlobs(rev, list, q)) out.set(p, b === undefined || b.binary ? undefined : { content: b.content, oid: b.oid });
  } catch (e) {
    rethrowCancel(e);
    for (const p of list) out.set(p, undefined);
  }
  return out;
}

/**
 * Which range commit wrote each of `lines` of `path` in the deployed version, from the range scan alone: the
 * commits that touched the file, newest first, must form a chain of blob ids ending at the deployed blob
 * (so no merge or hidden change sits between them); their `-U0 -w` hunks are then walked backwards. A
 * reformatting commit is walked through like blame's `--ignore-rev`. Undefined when the chain does not
 * hold: git blame decides then.
 */
function originsFromScan(scan: RangeScan, path: string, toBlob: string, lines: readonly number[]): Map<number, BlameLine> | undefined {
  if (!scan.withHunks) return undefined;
  const chain: Array<{ c: CommitInfo; fc: FileChange }> = [];
  let name = path;
  let expect: string | undefined = toBlob;
  for (const c of scan.commits) {
    const fc = c.files.find((f) => f.path === name && f.status !== 'deleted');
    if (fc === undefined) continue;
    if (fc.newBlob === undefined) {
      if (fc.status === 'renamed' && fc.hunks.length === 0 && fc.oldPath !== undefined) {
        name = fc.oldPath;
        continue;
      }
      return undefined;
    }
    if (expect === undefined || fc.newBlob !== expect || fc.binary) return undefined;
    chain.push({ c, fc });
    if (fc.status === 'added') break;
    expect = fc.oldBlob;
    if (fc.status === 'renamed' && fc.oldPath !== undefined) name = fc.oldPath;
  }
  // An older commit of the range touching the name again after the file was added here: not a chain.
  const out = new Map<number, BlameLine>();
  for (const line of lines) {
    let cur = line;
    for (const { c, fc } of chain) {
      const formatting = scan.notes.get(c.sha)?.formatting !== undefined;
      let offset = 0;
      let hit: (typeof fc.hunks)[number] | undefined;
      for (const h of fc.hunks) {
        if (h.newLines > 0 && cur >= h.newStart && cur < h.newStart + h.newLines) {
          hit = h;
          break;
        }
        const before = h.newLines > 0 ? h.newStart + h.newLines - 1 < cur : h.newStart < cur;
        if (!before) break;
        offset += h.newLines - h.oldLines;
      }
      if (hit !== undefined) {
        if (!formatting || hit.oldLines === 0) {
          out.set(line, originLine(c, fc.path, cur));
          break;
        }
        cur = hit.oldStart + Math.min(cur - hit.newStart, hit.oldLines - 1);
        continue;
      }
      if (fc.status === 'added') {
        out.set(line, originLine(c, fc.path, cur));
        break;
      }
      cur -= offset;
    }
  }
  return out;
}

function originLine(c: CommitInfo, path: string, line: number): BlameLine {
  return { sha: c.sha, author: c.author, authorTime: c.authorTime, commitTime: c.commitTime, summary: c.subject, boundary: false, uncommitted: false, path, originalLine: line, content: '' };
}

/** Sorted, overlapping or touching ranges merged (git blame refuses nothing, but repeats overlapping lines). */
function mergeRanges(list: ReadonlyArray<{ start: number; end: number }>): Array<[number, number]> {
  const sorted = [...list].sort((a, b) => a.start - b.start);
  const out: Array<[number, number]> = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && r.start <= last[1] + 1) last[1] = Math.max(last[1], r.end);
    else out.push([r.start, r.end]);
  }
  return out.slice(0, 100);
}

function lineCount(content: string): number {
  return content.endsWith('\n') ? content.split('\n').length - 1 : content.split('\n').length;
}

/** The blame window of each frame: its function (capped around the line) and ±NEAR_LINES. */
function frameWindows(frames: Frame[], files: Map<string, { content: string } | undefined>): Window[] {
  return frames.map((f) => {
    const content = files.get(f.path)?.content;
    const w: Window = { frame: f, start: Math.max(1, f.line - NEAR_LINES), end: f.line + NEAR_LINES };
    if (content === undefined) {
      w.error = `${f.path} is not a text file of the deployed version`;
      return w;
    }
    const n = lineCount(content);
    if (f.line > n) {
      w.error = `line ${f.line} is past the end of ${f.path} (${n} lines) in the deployed version`;
      return w;
    }
    w.text = content.split('\n')[f.line - 1];
    if (f.fnName !== undefined) {
      const r = inferFunctionRange(content, f.line, f.fnName);
      if (r !== undefined) {
        w.fnRange = r;
        w.start = Math.min(w.start, Math.max(r.start, f.line - MAX_WINDOW / 2));
        w.end = Math.max(w.end, Math.min(r.end, f.line + MAX_WINDOW / 2));
      }
    }
    w.end = Math.min(w.end, n);
    return w;
  });
}

/** A function the failing line of a frame calls, declared in a file this range changed. */
interface Callee {
  frame: Frame;
  name: string;
  path: string;
  start: number;
  end: number;
  imported: boolean;
}

function touchedPaths(c: CommitInfo): string[] {
  return c.files.flatMap((fc) => (fc.oldPath !== undefined && fc.oldPath !== fc.path ? [fc.path, fc.oldPath] : [fc.path]));
}

/** Imports of the caller frames' files that the range changed, and the functions their failing lines call. */
async function findCallees(
  repo: GitRepository,
  scan: RangeScan,
  windows: Window[],
  files: Map<string, { content: string; oid: string } | undefined>,
  q: QueryOptions,
): Promise<{ callees: Callee[]; imports: Array<{ frame: Frame; path: string }> }> {
  const changed = new Set(scan.commits.flatMap(touchedPaths));
  const imports: Array<{ frame: Frame; path: string }> = [];
  const wanted = new Map<string, Array<{ frame: Frame; names: string[] }>>();
  const want = (path: string, frame: Frame, names: string[]): void => {
    const list = wanted.get(path) ?? [];
    list.push({ frame, names });
    wanted.set(path, list);
  };
  for (const w of windows.slice(0, CALLER_FRAMES)) {
    const content = files.get(w.frame.path)?.content;
    if (content === undefined || w.text === undefined) continue;
    const names = calledNames(w.text).filter((n) => n !== w.frame.fnName);
    if (changed.has(w.frame.path) && names.length > 0) want(w.frame.path, w.frame, names);
    for (const p of importedPaths(content, w.frame.path)) {
      // A module that is itself on the stack is scored through its own frame.
      if (!changed.has(p) || windows.some((x) => x.frame.path === p)) continue;
      if (!imports.some((i) => i.frame === w.frame && i.path === p)) imports.push({ frame: w.frame, path: p });
      if (names.length > 0) want(p, w.frame, names);
    }
  }
  const paths = [...wanted.keys()].slice(0, MAX_CALLEE_FILES);
  const more = paths.filter((p) => !files.has(p));
  if (more.length > 0) for (const [p, f] of await readFiles(repo, scan.to, more, q)) files.set(p, f);
  const callees: Callee[] = [];
  for (const p of paths) {
    const content = files.get(p)?.content;
    if (content === undefined) continue;
    for (const { frame, names } of wanted.get(p) ?? []) {
      for (const name of names) {
        const r = findDeclaration(content, name);
        if (r === undefined) continue;
        // The frame's own function is already blamed around the frame line.
        if (p === frame.path && r.start <= frame.line && frame.line <= r.end) continue;
        callees.push({ frame, name, path: p, start: r.start, end: Math.min(r.end, r.start + MAX_WINDOW), imported: p !== frame.path });
      }
    }
  }
  return { callees, imports };
}

/** Hits of one commit (by sha), and the frames whose line the range changed. */
class HitTable {
  readonly byCommit = new Map<string, Hit[]>();
  add(sha: string, h: Hit): void {
    const list = this.byCommit.get(sha) ?? [];
    list.push(h);
    this.byCommit.set(sha, list);
  }
}

/** Scores every commit of the scanned range against the frames; the per-frame reports come along. */
export async function scoreRange(
  repo: GitRepository,
  scan: RangeScan,
  framesIn: readonly Frame[],
  now: number,
  q: QueryOptions,
  filesIn?: Map<string, { content: string; oid: string } | undefined>,
): Promise<{ suspects: Suspect[]; frames: FrameReport[] }> {
  const frames = [...framesIn];
  const inRange = new Set(scan.commits.map((c) => c.sha));
  const b: BlameQuery = { since: scan.from, ignoreRevs: scan.ignoreRevs };
  if (scan.ignoreRevsFile !== undefined) b.ignoreRevsFile = scan.ignoreRevsFile;

  const files = filesIn ?? (await readFiles(repo, scan.to, frames.map((f) => f.path), q));
  const windows = frameWindows(frames, files);
  const { callees, imports } = scan.withHunks ? await findCallees(repo, scan, windows, files, q) : { callees: [], imports: [] };

  // Who in the range wrote each window line: from the range scan when the file's history allows, else one
  // range-limited blame per file for all its windows (frames and callees), files in parallel.
  const byFile = new Map<string, Array<{ start: number; end: number; set: (m: Map<number, BlameLine>) => void; fail: (e: unknown) => void }>>();
  const calleeBlames = new Map<Callee, Map<number, BlameLine>>();
  const want = (path: string, start: number, end: number, set: (m: Map<number, BlameLine>) => void, fail: (e: unknown) => void): void => {
    const list = byFile.get(path) ?? [];
    list.push({ start, end, set, fail });
    byFile.set(path, list);
  };
  for (const w of windows) {
    if (w.error !== undefined || files.get(w.frame.path) === undefined) continue;
    want(w.frame.path, w.start, w.end, (m) => (w.blame = m), (e) => (w.error = errorText(e)));
  }
  for (const c of callees) want(c.path, c.start, c.end, (m) => calleeBlames.set(c, m), () => undefined);
  await Promise.all(
    [...byFile].map(async ([path, list]) => {
      const oid = files.get(path)?.oid;
      const ranges = mergeRanges(list);
      const fromScan = oid === undefined ? undefined : originsFromScan(scan, path, oid, ranges.flatMap(([a, z]) => Array.from({ length: z - a + 1 }, (_, i) => a + i)));
      if (fromScan !== undefined) {
        for (const x of list) x.set(fromScan);
        return;
      }
      try {
        const m = await repo.blameRanges(path, ranges, scan.to, blameOptions(b, q));
        for (const x of list) x.set(m);
      } catch (e) {
        rethrowCancel(e);
        for (const x of list) x.fail(e);
      }
    }),
  );

  const hits = new HitTable();
  const changedLine = new Set<Frame>();
  for (const w of windows) {
    const f = w.frame;
    const label = frameLabel(f.depth);
    const dir = posix.dirname(f.path);
    for (const [line, bl] of w.blame ?? []) {
      if (bl.boundary || !inRange.has(bl.sha)) continue;
      if (line === f.line) {
        hits.add(bl.sha, { level: 'line', depth: f.depth, reason: `changed line ${f.line} of ${f.path} (${label})`, dir });
        changedLine.add(f);
      } else if (Math.abs(line - f.line) <= NEAR_LINES) {
        hits.add(bl.sha, { level: 'near', depth: f.depth, reason: `changed lines near line ${f.line} of ${f.path} (${label})`, dir });
      } else if (w.fnRange !== undefined && f.fnName !== undefined && line >= w.fnRange.start && line <= w.fnRange.end) {
        hits.add(bl.sha, { level: 'function', depth: f.depth, reason: `changed function ${f.fnName} in ${f.path} (${label})`, dir });
      }
    }
  }
  for (const c of callees) {
    for (const [line, bl] of calleeBlames.get(c) ?? []) {
      // The map holds every blamed window of the file: keep the callee's own lines.
      if (line < c.start || line > c.end || bl.boundary || !inRange.has(bl.sha)) continue;
      const where = c.imported ? ` (${c.path})` : '';
      hits.add(bl.sha, { level: 'callee', depth: c.frame.depth, reason: `changed \`${c.name}\`${where}, called at ${c.frame.path}:${c.frame.line} (${frameLabel(c.frame.depth)})`, dir: posix.dirname(c.path) });
    }
  }
  fileLevelHits(scan, frames, imports, hits);

  const frameReports = frameReportsOf(windows, changedLine, now);

  const suspects: Suspect[] = [];
  for (const c of scan.commits) {
    const note = scan.notes.get(c.sha) ?? {};
    const list = hits.byCommit.get(c.sha) ?? [];
    const s = list.length === 0 ? { score: 0, reasons: [], depth: 0 } : scoreHits(list);
    const demotion: Demotion | undefined = note.formatting !== undefined ? 'formatting' : note.reverted !== undefined ? 'reverted' : undefined;
    let reasons = s.reasons;
    let score = s.score;
    if (demotion !== undefined) {
      reasons = [note.formatting ?? note.reverted ?? '', ...reasons];
      score = 0;
    } else if (reasons.length === 0) {
      reasons = [unrelatedReason(c)];
    }
    const sus = toSuspect(c, score, reasons, s.depth, 'deploy-range');
    if (demotion !== undefined) sus.demoted = demotion;
    suspects.push(sus);
  }
  sortSuspects(suspects);
  return { suspects, frames: frameReports };
}

function unrelatedReason(c: CommitInfo): string {
  const paths = c.files.map((f) => printable(f.path));
  if (paths.length === 0) return 'in the deploy range; changes no file content';
  const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
  return `in the deploy range; changes none of the code in the stack trace (${shown})`;
}

/**
 * File, folder, import and function-header hits from the range scan, plus removals right next to a frame
 * line by the newest commit to touch the file (whose line numbers are the deployed ones).
 */
function fileLevelHits(scan: RangeScan, frames: Frame[], imports: Array<{ frame: Frame; path: string }>, hits: HitTable): void {
  // Name of each frame's file in each commit (newest first: a rename moves the name back to its old one).
  const names = new Map<Frame, string>(frames.map((f) => [f, f.path]));
  const newest = new Set<Frame>(frames);
  const frameDir = new Map<Frame, string>(frames.map((f) => [f, posix.dirname(f.path)]));
  // Folders where a commit can hit a frame (its file's folder, now or under an older name): most commits
  // of a big range touch none of them and are passed over without looking at each frame.
  const near = new Set<string>(frameDir.values());
  const imported = new Set(imports.map((i) => i.path));
  for (const c of scan.commits) {
    const touched = touchedPaths(c);
    const touchedDirs = touched.map((p) => posix.dirname(p));
    const renames: Array<[Frame, string]> = [];
    const relevant = touchedDirs.some((d) => near.has(d));
    for (const f of relevant ? frames : []) {
      const name = names.get(f) ?? f.path;
      const label = frameLabel(f.depth);
      const dir = frameDir.get(f) ?? posix.dirname(f.path);
      const change: FileChange | undefined = c.files.find((fc) => fc.path === name && fc.status !== 'deleted');
      if (change !== undefined) {
        if (change.status === 'renamed' && change.oldPath !== undefined) renames.push([f, change.oldPath]);
        const renamed = change.status === 'renamed' && change.oldPath !== undefined ? ` (renamed from ${printable(change.oldPath)})` : '';
        hits.add(c.sha, { level: 'file', depth: f.depth, reason: `changed ${f.path}${renamed} (${label})`, key: `file:${f.path}`, dir });
        for (const h of change.hunks) {
          if (f.fnName !== undefined && h.context !== undefined && containsWord(h.context, f.fnName)) {
            hits.add(c.sha, { level: 'function', depth: f.depth, reason: `changed function ${f.fnName} in ${f.path} (${label})`, dir });
          }
          if (newest.has(f) && h.newLines === 0 && (h.newStart === f.line || h.newStart + 1 === f.line)) {
            hits.add(c.sha, { level: 'near', depth: f.depth, reason: `removed lines next to line ${f.line} of ${f.path} (${label})`, dir });
          }
        }
        newest.delete(f);
        continue;
      }
      const nameDir = posix.dirname(name);
      const sameDir = touched.find((_, k) => touchedDirs[k] === dir || touchedDirs[k] === nameDir);
      if (sameDir !== undefined) hits.add(c.sha, { level: 'dir', depth: f.depth, reason: `changed ${printable(sameDir)}, in the same folder as ${f.path} (${label})`, key: `dir:${dir}`, dir });
    }
    for (const i of touched.some((p) => imported.has(p)) ? imports : []) {
      if (touched.includes(i.path)) {
        hits.add(c.sha, { level: 'import', depth: i.frame.depth, reason: `changed ${printable(i.path)}, imported by ${i.frame.path} (${frameLabel(i.frame.depth)})`, key: `import:${i.path}`, dir: posix.dirname(i.path) });
      }
    }
    for (const [f, old] of renames) {
      names.set(f, old);
      near.add(posix.dirname(old));
    }
  }
}

/**
 * Per-frame report from the range blame: who in this deploy last wrote the line. Lines the deploy did not
 * change get their whole-history blame from `completeFrameBlames` (slow in a long history, so not here).
 */
function frameReportsOf(windows: Window[], changedLine: Set<Frame>, now: number): FrameReport[] {
  return windows.map((w): FrameReport => {
    const f = w.frame;
    const r: FrameReport = { depth: f.depth, path: f.path, line: f.line, changedInThisDeploy: changedLine.has(f) };
    if (f.function !== undefined) r.function = f.function;
    const bl = w.blame?.get(f.line);
    if (bl !== undefined && !bl.boundary) r.blame = blameInfo(bl, now);
    else if (w.error !== undefined) r.error = w.error;
    return r;
  });
}

/**
 * Fills in `blame` of the frames a deploy-range report left without one (lines the deploy did not change):
 * a whole-history `git blame -w` per line, which walks old history — the slow part in a big repository, so
 * the ranking never waits for it. Returns the same report.
 */
export async function completeFrameBlames(repo: GitRepository, report: SuspectReport, opts: QueryOptions & { now?: number } = {}): Promise<SuspectReport> {
  if (report.basis !== 'deploy-range' || !isSha(report.rev)) return report;
  const q = queryOptions(opts);
  const now = opts.now ?? Date.now();
  const b: BlameQuery = { ignoreRevs: [] };
  if (readIgnoreRevs(repo.root) !== undefined) b.ignoreRevsFile = IGNORE_REVS_FILE;
  await Promise.all(
    report.frames.map(async (r) => {
      if (r.blame !== undefined || r.error !== undefined) return;
      try {
        const bl = (await repo.blameLines(r.path, r.line, r.line, report.rev, blameOptions(b, q))).get(r.line);
        if (bl === undefined) throw new GitError('parse', `could not read git blame output for ${r.path}:${r.line}`);
        r.blame = blameInfo(bl, now);
      } catch (e) {
        rethrowCancel(e);
        r.error = errorText(e);
      }
    }),
  );
  return report;
}

/**
 * Turns per-frame hits into a score and reasons: the best hit of the best frame (line > callee > near >
 * function > file > import > dir) counts in full, the best hits of the other frames add a quarter of their score, at most a quarter of the
 * best; file/folder/import hits count once per key.
 */
function scoreHits(hits: Hit[]): { score: number; reasons: string[]; depth: number } {
  const best = new Map<number, Hit>();
  for (const h of hits) {
    const cur = best.get(h.depth);
    if (cur === undefined || SCORE[h.level] > SCORE[cur.level]) best.set(h.depth, h);
  }
  const value = (h: Hit): number => SCORE[h.level] * frameWeight(h.depth);
  const ordered = [...best.values()].sort((a, b) => value(b) - value(a) || a.depth - b.depth);
  // A folder hit says nothing new when the commit already touched a frame's file in that folder.
  const fileDirs = new Set(ordered.filter((h) => h.level !== 'dir' && h.dir !== undefined).map((h) => h.dir));
  const reasons: string[] = [];
  const counted = new Set<string>();
  let top = 0;
  let rest = 0;
  for (const h of ordered) {
    if (h.level === 'dir' && fileDirs.has(h.dir)) continue;
    const key = h.key ?? `reason:${h.reason}`;
    if (counted.has(key)) continue;
    counted.add(key);
    if (reasons.length === 0) top = value(h);
    else rest += value(h);
    reasons.push(h.reason);
  }
  const score = top + Math.min(rest / 4, top / 4);
  const depth = ordered[0]?.depth ?? 0;
  return { score: Math.round(score * 100) / 100, reasons, depth };
}

function toSuspect(c: { sha: string; author: GitPerson; authorTime: number; commitTime: number; subject: string }, score: number, reasons: string[], depth: number, basis: SuspectBasis): Suspect {
  return {
    sha: c.sha,
    shortSha: short(c.sha),
    author: c.author,
    authoredAt: new Date(c.authorTime).toISOString(),
    authorTime: c.authorTime,
    commitTime: c.commitTime,
    subject: c.subject,
    score,
    reasons,
    frameDepth: depth,
    basis,
  };
}

/** Demoted last; then score desc, innermost frame, newest (commit time, author time), sha for a total order. */
export function sortSuspects(list: Suspect[]): void {
  const tier = (s: Suspect): number => (s.demoted === undefined ? 0 : 1);
  list.sort(
    (a, b) =>
      tier(a) - tier(b) || b.score - a.score || a.frameDepth - b.frameDepth || b.commitTime - a.commitTime || b.authorTime - a.authorTime || (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0),
  );
}

function containsWord(text: string, word: string): boolean {
  let i = text.indexOf(word);
  while (i >= 0) {
    const before = text[i - 1] ?? ' ';
    const after = text[i + word.length] ?? ' ';
    if (!/[\w$]/.test(before) && !/[\w$]/.test(after)) return true;
    i = text.indexOf(word, i + 1);
  }
  return false;
}

/** A blamed line as the report shows it (author, age in days, boundary/uncommitted flags). */
function blameInfo(b: BlameLine, now: number): NonNullable<FrameReport['blame']> {
  return {
    sha: b.sha,
    shortSha: short(b.sha),
    author: b.author,
    authoredAt: new Date(b.authorTime).toISOString(),
    ageDays: b.uncommitted ? 0 : Math.max(0, Math.floor((now - b.authorTime) / DAY_MS)),
    summary: b.summary,
    boundary: b.boundary,
    uncommitted: b.uncommitted,
  };
}

// ---------------------------------------------------------------- 3. blame fallback

async function blameFallback(
  repo: GitRepository,
  frames: Frame[],
  rev: string | undefined,
  why: string,
  now: number,
  warnings: string[],
  q: QueryOptions,
  maxSuspects = 20,
): Promise<SuspectReport> {
  let at = rev ?? 'HEAD';
  if (at !== 'HEAD' && !isSha(at.toLowerCase())) throw new GitInputError(`invalid revision ${describe(at)}: expected a sha or HEAD`);
  at = at.toLowerCase() === 'head' ? 'HEAD' : at.toLowerCase();
  if (at !== 'HEAD' && !(await repo.commitExists(at, q))) {
    warnings.push(`commit ${short(at)} is not in this clone — fetch the deployed commits? Lines were read at HEAD and may have drifted.`);
    at = 'HEAD';
  }
  const sha = at === 'HEAD' ? await repo.headSha(q) : at;
  const b: BlameQuery = { ignoreRevs: [] };
  if (readIgnoreRevs(repo.root) !== undefined) b.ignoreRevsFile = IGNORE_REVS_FILE;
  const bySha = new Map<string, { blame: BlameLine; hits: Hit[] }>();
  const raw: Array<BlameLine | undefined> = [];
  const reports = await Promise.all(
    frames.map(async (f, i): Promise<FrameReport> => {
      const r: FrameReport = { depth: f.depth, path: f.path, line: f.line };
      if (f.function !== undefined) r.function = f.function;
      try {
        const bl = (await repo.blameLines(f.path, f.line, f.line, sha, blameOptions(b, q))).get(f.line);
        if (bl === undefined) throw new GitError('parse', `could not read git blame output for ${f.path}:${f.line}`);
        r.blame = blameInfo(bl, now);
        raw[i] = bl;
      } catch (e) {
        rethrowCancel(e);
        r.error = errorText(e);
      }
      return r;
    }),
  );
  for (const [i, f] of frames.entries()) {
    const bl = raw[i];
    if (bl === undefined || bl.uncommitted) continue;
    const e = bySha.get(bl.sha) ?? { blame: bl, hits: [] };
    const boundary = bl.boundary ? '; boundary commit, the line may be older' : '';
    e.hits.push({ level: 'line', depth: f.depth, reason: `last changed line ${f.line} of ${f.path} (${frameLabel(f.depth)}) — blame, deploy range unknown${boundary}` });
    bySha.set(bl.sha, e);
  }
  const suspects: Suspect[] = [];
  for (const [s, { blame, hits }] of bySha) {
    const sc = scoreHits(hits);
    const sus = toSuspect({ sha: s, author: blame.author, authorTime: blame.authorTime, commitTime: blame.commitTime, subject: blame.summary }, sc.score, sc.reasons, sc.depth, 'blame-fallback');
    // A boundary commit (the root, or the edge of a shallow clone) only says "older than this".
    if (blame.boundary) sus.demoted = 'boundary';
    suspects.push(sus);
  }
  sortSuspects(suspects);
  return {
    basis: 'blame-fallback',
    basisNote: `${why}: suspects are the commits that last changed each frame's line (git blame at ${at === 'HEAD' ? 'HEAD' : short(at)}), which may predate the deploy; whitespace-only changes are looked through`,
    rev: at,
    suspects: suspects.slice(0, maxSuspects),
    frames: reports,
    warnings,
  };
}
