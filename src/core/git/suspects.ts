/**
 * Suspect commits for an alert: which commits of the deploy that was live when the alert started touch
 * the code in its stack trace.
 *
 * Input frames are already resolved to repo-relative paths and lines *of the deployed version* (the
 * stack-trace resolver does that). For each commit of the deploy range we work out which lines of the
 * deployed version it wrote (its `-U0` hunks, mapped forward through `git diff <commit> <deployed>` so
 * later commits that moved lines are accounted for), then score:
 *
 *   changed the frame's line              100
 *   changed within 3 lines of it / removed lines right next to it   40
 *   changed the frame's function          25  (hunk header names it, or the change falls inside the
 *                                              function's line range inferred from indentation)
 *   changed the frame's file              10  (counted once per file)
 *   changed a file in the frame's folder   3  (counted once per folder)
 *
 * each multiplied by the frame's weight 1 / (1 + depth/2) — the innermost frame counts most — and summed
 * over frames. Ordering is deterministic: score, then the innermost frame hit, then newest, then sha.
 *
 * When the range is unknown (no deploy, no previous deploy, commits not fetched, rollback), suspects are the
 * commits that last changed each frame line (`git blame`), labelled `basis: 'blame-fallback'`.
 */
import { posix } from 'node:path';
import { GitError } from './gitRunner';
import type { GitRepository, QueryOptions } from './gitRepository';
import { mapLineForward } from './lineMap';
import type { BlameLine, CommitInfo, FileChange, GitPerson, Hunk } from './types';
import { GitInputError, assertLine, assertRepoPath, assertSha, describe, isSha, sameSha } from './validate';

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
  maxSuspects?: number;
  maxCommits?: number;
}

export type SuspectBasis = 'deploy-range' | 'blame-fallback';

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
  /** Who last changed this line in the version the alert runs. */
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

const SCORE = { line: 100, near: 40, function: 25, file: 10, dir: 3 } as const;
type Level = keyof typeof SCORE;
const NEAR_LINES = 3;
const DAY_MS = 86_400_000;

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

/**
 * Cheap, language-agnostic guess of the lines of the function `name` that contains `line`: the nearest
 * declaration of `name` above, to the first later line indented no deeper than the declaration (included
 * when it closes it: `}`, `)`, `end`). Undefined when no declaration is found or it does not contain `line`.
 */
export function inferFunctionRange(content: string, line: number, name: string): { start: number; end: number } | undefined {
  if (!/^[A-Za-z_$][\w$]{0,100}$/.test(name)) return undefined;
  const lines = content.split('\n');
  const n = name.replace(/\$/g, '\\$');
  const decl = new RegExp(
    `(?:\\bfunction\\s*\\*?\\s*${n}\\b|(?:^|[^\\w$.])${n}\\s*[:=]\\s*(?:async\\s+)?(?:function\\b|\\(|[\\w$]+\\s*=>)|^\\s*(?:(?:public|private|protected|static|async|override|readonly|export|default|get|set)\\s+)*${n}\\s*(?:<[^>]{0,200}>)?\\s*\\(|\\bdef\\s+${n}\\b|\\bfunc\\s+(?:\\([^)]{0,200}\\)\\s*)?${n}\\b|\\bfn\\s+${n}\\b|\\b(?:void|int|long|bool|boolean|string|String|var|Task|async)\\b[^=;(]{0,200}\\b${n}\\s*\\()`,
  );
  const from = Math.min(line, lines.length);
  for (let i = from; i >= Math.max(1, from - 500); i--) {
    const text = lines[i - 1] ?? '';
    if (!decl.test(text)) continue;
    const indent = indentOf(text);
    let end = lines.length;
    for (let j = i + 1; j <= Math.min(lines.length, i + 5000); j++) {
      const t = lines[j - 1] ?? '';
      if (t.trim() === '') continue;
      if (indentOf(t) <= indent) {
        end = /^\s*(?:[})\]]|end\b)/.test(t) ? j : j - 1;
        break;
      }
    }
    return end >= line ? { start: i, end } : undefined;
  }
  return undefined;
}

function indentOf(s: string): number {
  const m = /^[ \t]*/.exec(s)?.[0] ?? '';
  return m.replace(/\t/g, '    ').length;
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
  /** For file/folder hits: counted once per commit per key (`file:<path>` / `dir:<folder>`). */
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

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Ranks the commits of the deploy range (or, failing that, the blamed commits) against the alert's frames. */
export async function findSuspects(repo: GitRepository, opts: SuspectOptions): Promise<SuspectReport> {
  const warnings: string[] = [];
  const frames = prepareFrames(opts.frames, opts.maxFrames ?? 20, warnings);
  const now = opts.now ?? Date.now();
  const q: QueryOptions = {};
  if (opts.signal !== undefined) q.signal = opts.signal;
  if (opts.timeoutMs !== undefined) q.timeoutMs = opts.timeoutMs;

  if (frames.length === 0) {
    return { basis: opts.range === undefined ? 'blame-fallback' : 'deploy-range', basisNote: 'no in-app frame with a repository path: nothing to match commits against', rev: opts.range?.to ?? opts.rev ?? 'HEAD', suspects: [], frames: [], warnings };
  }
  if (opts.range === undefined) {
    return blameFallback(repo, frames, opts.rev, opts.rangeUnavailableReason ?? 'the deploy range is unknown', now, warnings, q, opts.maxSuspects);
  }
  const from = assertSha(opts.range.from.toLowerCase(), 'range start sha');
  const to = assertSha(opts.range.to.toLowerCase(), 'range end sha');

  if (!(await repo.commitExists(to, q))) {
    warnings.push(`deployed commit ${short(to)} is not in this clone — fetch the deployed commits? Lines were read at HEAD and may have drifted.`);
    return blameFallback(repo, frames, 'HEAD', `deployed commit ${short(to)} is not in this clone`, now, warnings, q, opts.maxSuspects);
  }
  if (!(await repo.commitExists(from, q))) {
    warnings.push(`previous deploy commit ${short(from)} is not in this clone — fetch the deployed commits?`);
    return blameFallback(repo, frames, to, `previous deploy commit ${short(from)} is not in this clone`, now, warnings, q, opts.maxSuspects);
  }
  if (sameSha(from, to)) {
    return blameFallback(repo, frames, to, `the deploy redeployed ${short(to)}: it shipped no new commits`, now, warnings, q, opts.maxSuspects);
  }
  if (!(await repo.isAncestor(from, to, q))) {
    if (await repo.isAncestor(to, from, q)) {
      return blameFallback(repo, frames, to, `the deploy rolled back from ${short(from)} to ${short(to)}: it shipped no new commits`, now, warnings, q, opts.maxSuspects);
    }
    warnings.push(`${short(from)} is not an ancestor of ${short(to)}: the range holds the commits of ${short(to)} not in ${short(from)}`);
  }

  const maxCommits = opts.maxCommits ?? 300;
  let commits: CommitInfo[];
  let withHunks = true;
  try {
    commits = await repo.commitsInRange(from, to, { ...q, maxCommits });
  } catch (e) {
    if (!(e instanceof GitError) || e.code !== 'output-too-large') throw e;
    warnings.push('the deploy range diff is too large to read line by line; scoring by files only');
    withHunks = false;
    commits = await repo.commitsInRange(from, to, { ...q, maxCommits, withHunks: false });
  }
  if (commits.length >= maxCommits) warnings.push(`the deploy range has more than ${maxCommits} commits; only the newest ${maxCommits} were analysed`);
  const inRange = new Set(commits.map((c) => c.sha));

  // Blame of each frame line in the deployed version: shown per frame, and a cross-check for "changed line".
  const frameReports: FrameReport[] = [];
  for (const f of frames) frameReports.push(await blameFrame(repo, f, to, now, q));

  // Function ranges in the deployed version (one file read per frame file that has a named function).
  const fnRanges = new Map<Frame, { start: number; end: number }>();
  for (const f of frames) {
    if (f.fnName === undefined) continue;
    try {
      const file = await repo.showFileAt(to, f.path, q);
      if (file.binary) continue;
      const r = inferFunctionRange(file.content, f.line, f.fnName);
      if (r !== undefined) fnRanges.set(f, r);
    } catch (e) {
      if (e instanceof GitError && e.code === 'cancelled') throw e;
      // No function range: the hunk-header check still works.
    }
  }

  // Name of each frame's file in each commit (newest first: a rename moves the name back to its old one).
  const names = new Map<Frame, string>(frames.map((f) => [f, f.path]));
  const hitsByCommit = new Map<string, Hit[]>();
  const exactByFrame = new Map<Frame, boolean>();
  for (const c of commits) {
    const hits: Hit[] = [];
    const touchedPaths = new Set(c.files.flatMap((fc) => (fc.oldPath !== undefined && fc.oldPath !== fc.path ? [fc.path, fc.oldPath] : [fc.path])));
    const renames: Array<[Frame, string]> = [];
    for (const f of frames) {
      const name = names.get(f) ?? f.path;
      const change = c.files.find((fc) => fc.path === name && fc.status !== 'deleted');
      if (change !== undefined) {
        if (change.status === 'renamed' && change.oldPath !== undefined) renames.push([f, change.oldPath]);
        const hit = withHunks ? await lineHit(repo, c, change, f, to, fnRanges.get(f), q) : undefined;
        if (hit !== undefined) {
          hit.dir = posix.dirname(f.path);
          hits.push(hit);
          if (hit.level === 'line') exactByFrame.set(f, true);
          continue;
        }
        const renamed = change.status === 'renamed' && change.oldPath !== undefined ? ` (renamed from ${change.oldPath})` : '';
        hits.push({ level: 'file', depth: f.depth, reason: `changed ${f.path}${renamed} (${frameLabel(f.depth)})`, key: `file:${f.path}`, dir: posix.dirname(f.path) });
        continue;
      }
      const dir = posix.dirname(f.path);
      const nameDir = posix.dirname(name);
      const sameDir = [...touchedPaths].find((p) => posix.dirname(p) === dir || posix.dirname(p) === nameDir);
      if (sameDir !== undefined) {
        hits.push({ level: 'dir', depth: f.depth, reason: `changed ${printable(sameDir)}, in the same folder as ${f.path} (${frameLabel(f.depth)})`, key: `dir:${dir}`, dir });
      }
    }
    for (const [f, old] of renames) names.set(f, old);
    if (hits.length > 0) hitsByCommit.set(c.sha, hits);
  }

  // Cross-check with blame: the commit that last wrote the frame line, if in range, changed that line.
  for (const [i, f] of frames.entries()) {
    const b = frameReports[i]?.blame;
    if (b === undefined || !inRange.has(b.sha)) continue;
    const hits = hitsByCommit.get(b.sha) ?? [];
    if (!hits.some((h) => h.depth === f.depth && h.level === 'line')) {
      const rest = hits.filter((h) => h.depth !== f.depth);
      rest.push({ level: 'line', depth: f.depth, reason: `changed line ${f.line} of ${f.path} (${frameLabel(f.depth)})`, dir: posix.dirname(f.path) });
      hitsByCommit.set(b.sha, rest);
    }
    exactByFrame.set(f, true);
  }

  for (const [i, f] of frames.entries()) {
    const r = frameReports[i];
    if (r !== undefined) r.changedInThisDeploy = exactByFrame.get(f) === true;
  }

  const suspects: Suspect[] = [];
  for (const c of commits) {
    const hits = hitsByCommit.get(c.sha);
    if (hits === undefined) continue;
    const s = scoreHits(hits);
    suspects.push(toSuspect(c, s.score, s.reasons, s.depth, 'deploy-range'));
  }
  sortSuspects(suspects);
  const base = `commits deployed in ${short(from)}..${short(to)} that touch the stack trace`;
  return {
    basis: 'deploy-range',
    basisNote: base,
    range: { from, to },
    rev: to,
    rangeCommitCount: commits.length,
    suspects: suspects.slice(0, opts.maxSuspects ?? 20),
    frames: frameReports,
    warnings,
  };
}

/** Turns per-frame hits into a score and reasons; file/folder hits count once per file/folder. */
function scoreHits(hits: Hit[]): { score: number; reasons: string[]; depth: number } {
  // Best hit per frame (line > near > function > file > dir), innermost frames first.
  const best = new Map<number, Hit>();
  for (const h of hits) {
    const cur = best.get(h.depth);
    if (cur === undefined || SCORE[h.level] > SCORE[cur.level]) best.set(h.depth, h);
  }
  const ordered = [...best.values()].sort((a, b) => SCORE[b.level] * frameWeight(b.depth) - SCORE[a.level] * frameWeight(a.depth) || a.depth - b.depth);
  // A folder hit says nothing new when the commit already touched a frame's file in that folder.
  const fileDirs = new Set(ordered.filter((h) => h.level !== 'dir' && h.dir !== undefined).map((h) => h.dir));
  let score = 0;
  const reasons: string[] = [];
  const countedOnce = new Set<string>();
  for (const h of ordered) {
    if (h.level === 'dir' && fileDirs.has(h.dir)) continue;
    if (h.key !== undefined) {
      if (countedOnce.has(h.key)) continue;
      countedOnce.add(h.key);
    }
    score += SCORE[h.level] * frameWeight(h.depth);
    reasons.push(h.reason);
  }
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

/** Score desc, then innermost frame, then newest (commit time, author time), then sha for a total order. */
export function sortSuspects(list: Suspect[]): void {
  list.sort((a, b) => b.score - a.score || a.frameDepth - b.frameDepth || b.commitTime - a.commitTime || b.authorTime - a.authorTime || (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0));
}

/**
 * Line/near/function hit of one commit's change to a frame's file, in deployed-version line numbers.
 * The commit's new-side lines are mapped through `git diff <commit> <deployed>`; lines that a later commit
 * rewrote count as "near" (this commit changed the spot, someone changed it again).
 */
async function lineHit(repo: GitRepository, c: CommitInfo, change: FileChange, f: Frame, to: string, fnRange: { start: number; end: number } | undefined, q: QueryOptions): Promise<Hit | undefined> {
  if (change.binary || change.hunks.length === 0) return undefined;
  let later: Hunk[] = [];
  if (!sameSha(c.sha, to)) {
    try {
      const d = await repo.diffHunks(c.sha, to, change.path, q);
      if (d.status === 'deleted' || d.binary) return undefined;
      later = d.hunks;
    } catch (e) {
      if (e instanceof GitError && e.code === 'cancelled') throw e;
      return undefined;
    }
  }
  const label = frameLabel(f.depth);
  let best: Hit | undefined;
  const consider = (h: Hit): void => {
    if (best === undefined || SCORE[h.level] > SCORE[best.level]) best = h;
  };
  for (const h of change.hunks) {
    const written: Array<{ line: number; survived: boolean }> = [];
    if (h.newLines === 0) {
      // Pure deletion between lines newStart and newStart + 1 of the commit's version.
      for (const l of [h.newStart, h.newStart + 1]) {
        if (l < 1) continue;
        const m = mapLineForward(later, l);
        if (!m.changed && m.line === f.line) consider({ level: 'near', depth: f.depth, reason: `removed lines next to line ${f.line} of ${f.path} (${label})` });
      }
    } else {
      const n = Math.min(h.newLines, 2000);
      for (let i = 0; i < n; i++) {
        const m = mapLineForward(later, h.newStart + i);
        written.push({ line: m.line, survived: !m.changed });
      }
    }
    for (const w of written) {
      if (w.survived && w.line === f.line) consider({ level: 'line', depth: f.depth, reason: `changed line ${f.line} of ${f.path} (${label})` });
      else if (Math.abs(w.line - f.line) <= NEAR_LINES) consider({ level: 'near', depth: f.depth, reason: `changed lines near line ${f.line} of ${f.path} (${label})` });
      else if (fnRange !== undefined && f.fnName !== undefined && w.line >= fnRange.start && w.line <= fnRange.end) {
        consider({ level: 'function', depth: f.depth, reason: `changed function ${f.fnName} in ${f.path} (${label})` });
      }
    }
    if (f.fnName !== undefined && h.context !== undefined && containsWord(h.context, f.fnName)) {
      consider({ level: 'function', depth: f.depth, reason: `changed function ${f.fnName} in ${f.path} (${label})` });
    }
  }
  return best;
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

async function blameFrame(repo: GitRepository, f: Frame, rev: string | undefined, now: number, q: QueryOptions): Promise<FrameReport> {
  const r: FrameReport = { depth: f.depth, path: f.path, line: f.line };
  if (f.function !== undefined) r.function = f.function;
  try {
    const b: BlameLine = await repo.blame(f.path, f.line, rev ?? 'HEAD', q);
    r.blame = blameInfo(b, now);
  } catch (e) {
    if (e instanceof GitError && e.code === 'cancelled') throw e;
    r.error = message(e);
  }
  return r;
}

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
  const reports: FrameReport[] = [];
  const bySha = new Map<string, { blame: BlameLine; hits: Hit[] }>();
  for (const f of frames) {
    const r: FrameReport = { depth: f.depth, path: f.path, line: f.line };
    if (f.function !== undefined) r.function = f.function;
    try {
      const b = await repo.blame(f.path, f.line, at, q);
      r.blame = blameInfo(b, now);
      if (!b.uncommitted) {
        const e = bySha.get(b.sha) ?? { blame: b, hits: [] };
        const boundary = b.boundary ? '; boundary commit, the line may be older' : '';
        e.hits.push({ level: 'line', depth: f.depth, reason: `last changed line ${f.line} of ${f.path} (${frameLabel(f.depth)}) — blame, deploy range unknown${boundary}` });
        bySha.set(b.sha, e);
      }
    } catch (e) {
      if (e instanceof GitError && e.code === 'cancelled') throw e;
      r.error = message(e);
    }
    reports.push(r);
  }
  const suspects: Suspect[] = [];
  for (const [sha, { blame, hits }] of bySha) {
    const s = scoreHits(hits);
    suspects.push(
      toSuspect({ sha, author: blame.author, authorTime: blame.authorTime, commitTime: blame.commitTime, subject: blame.summary }, s.score, s.reasons, s.depth, 'blame-fallback'),
    );
  }
  sortSuspects(suspects);
  return {
    basis: 'blame-fallback',
    basisNote: `${why}: suspects are the commits that last changed each frame's line (git blame at ${at === 'HEAD' ? 'HEAD' : short(at)}), which may predate the deploy`,
    rev: at,
    suspects: suspects.slice(0, maxSuspects),
    frames: reports,
    warnings,
  };
}
