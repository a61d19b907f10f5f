/**
 * Parsers for the git output formats we request. Pure functions, no I/O.
 *
 * Everything parsed is validated (shas are 40 hex, times are numbers, hunk counts are integers); a record
 * that does not validate is dropped and counted rather than guessed at. Commit subjects, author names and
 * file names are untrusted data: they are carried as strings and never interpreted.
 */
import type { BlameLine, CommitInfo, FileChange, FileChangeStatus, FileDiff, Hunk, TagInfo } from './types';

/** Separates commit records in our `--format`. NUL cannot occur in text git prints for commits or text diffs. */
export const COMMIT_MARKER = '\u0000COMMIT\u0000';

/**
 * `--format` for commit records: marker, then 9 NUL-terminated fields. `%aN`/`%aE` honour .mailmap so one
 * person with two addresses is one author.
 */
export const COMMIT_FORMAT = '--format=%x00COMMIT%x00%H%x00%P%x00%aN%x00%aE%x00%at%x00%cN%x00%cE%x00%ct%x00%s%x00';
const COMMIT_FIELDS = 9;

const FULL_SHA = /^[0-9a-f]{40}$/;
const UNIX_TIME = /^\d{1,12}$/;

export interface ParseStats {
  /** Records dropped because they did not validate. */
  dropped: number;
}

/**
 * Parses `git log <COMMIT_FORMAT> [-p -U0 | -z --name-status]`. `mode` says which file listing follows
 * each header.
 */
export function parseLog(stdout: string, mode: 'patch' | 'name-status' | 'none', stats: ParseStats = { dropped: 0 }, opts: { withText?: boolean } = {}): CommitInfo[] {
  const out: CommitInfo[] = [];
  const chunks = stdout.split(COMMIT_MARKER);
  // Whatever precedes the first marker is not a record (normally the empty string).
  for (let i = 1; i < chunks.length; i++) {
    const chunk = chunks[i] ?? '';
    const fields: string[] = [];
    let pos = 0;
    for (let f = 0; f < COMMIT_FIELDS; f++) {
      const nul = chunk.indexOf('\u0000', pos);
      if (nul < 0) break;
      fields.push(chunk.slice(pos, nul));
      pos = nul + 1;
    }
    const rest = chunk.slice(pos);
    const commit = toCommit(fields);
    if (commit === undefined) {
      stats.dropped++;
      continue;
    }
    if (mode === 'patch') commit.files = parsePatch(rest, opts);
    else if (mode === 'name-status') commit.files = parseNameStatusZ(rest);
    out.push(commit);
  }
  return out;
}

function toCommit(f: string[]): CommitInfo | undefined {
  if (f.length !== COMMIT_FIELDS) return undefined;
  const [sha, parents, an, ae, at, cn, ce, ct, subject] = f as [string, string, string, string, string, string, string, string, string];
  if (!FULL_SHA.test(sha) || !UNIX_TIME.test(at) || !UNIX_TIME.test(ct)) return undefined;
  const parentList = parents === '' ? [] : parents.split(' ');
  if (!parentList.every((p) => FULL_SHA.test(p))) return undefined;
  return {
    sha,
    parents: parentList,
    author: { name: an, email: ae },
    authorTime: Number(at) * 1000,
    committer: { name: cn, email: ce },
    commitTime: Number(ct) * 1000,
    subject,
    files: [],
  };
}

/** Bounds on the hunk text kept with `withText` (a formatter commit over a huge tree must not fill memory). */
export const HUNK_TEXT_LIMITS = { linesPerHunk: 400, charsPerLine: 400, charsPerPatch: 4_000_000 } as const;

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

export function parseHunkHeader(line: string): Hunk | undefined {
  const m = HUNK_RE.exec(line);
  if (m === null) return undefined;
  const h: Hunk = {
    oldStart: Number(m[1]),
    oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newLines: m[4] === undefined ? 1 : Number(m[4]),
  };
  const ctx = (m[5] ?? '').trim();
  if (ctx !== '') h.context = ctx;
  if (![h.oldStart, h.oldLines, h.newStart, h.newLines].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return h;
}

/**
 * Parses a unified git patch (as printed with `--src-prefix=a/ --dst-prefix=b/`). Hunk bodies are skipped
 * by counting their lines, so a content line that looks like a header (`--- a/x`, `diff --git`) is never
 * mistaken for one.
 */
export function parsePatch(text: string, opts: { withText?: boolean } = {}): FileChange[] {
  const withText = opts.withText === true;
  let textChars = 0;
  let hunk: Hunk | undefined;
  const keep = (list: string[] | undefined, l: string): void => {
    if (list === undefined || list.length >= HUNK_TEXT_LIMITS.linesPerHunk || textChars >= HUNK_TEXT_LIMITS.charsPerPatch) return;
    const t = l.length > HUNK_TEXT_LIMITS.charsPerLine ? l.slice(0, HUNK_TEXT_LIMITS.charsPerLine) : l;
    textChars += t.length;
    list.push(t);
  };
  const files: FileChange[] = [];
  let cur: (FileChange & { headerOld?: string; headerNew?: string }) | undefined;
  let remOld = 0;
  let remNew = 0;
  const finish = (): void => {
    if (cur === undefined) return;
    const c = cur;
    cur = undefined;
    if (c.path === '' && c.headerNew !== undefined) c.path = c.headerNew;
    if (c.oldPath === undefined && c.headerOld !== undefined && c.status !== 'added') c.oldPath = c.headerOld;
    if (c.status === 'deleted' && c.path === '' && c.oldPath !== undefined) c.path = c.oldPath;
    if (c.path === '') return;
    const fc: FileChange = { status: c.status, path: c.path, binary: c.binary, hunks: c.hunks };
    if (c.oldPath !== undefined) fc.oldPath = c.oldPath;
    if (c.oldBlob !== undefined) fc.oldBlob = c.oldBlob;
    if (c.newBlob !== undefined) fc.newBlob = c.newBlob;
    files.push(fc);
  };
  for (const line of text.split('\n')) {
    if (remOld > 0 || remNew > 0) {
      const ch = line.charAt(0);
      if (ch === '-') {
        remOld--;
        if (withText) keep(hunk?.removed, line.slice(1));
        continue;
      }
      if (ch === '+') {
        remNew--;
        if (withText) keep(hunk?.added, line.slice(1));
        continue;
      }
      if (ch === ' ') {
        remOld--;
        remNew--;
        continue;
      }
      if (ch === '\\') continue;
      // Truncated or malformed hunk: stop counting and read the line as a header.
      remOld = remNew = 0;
    }
    if (line.startsWith('diff --git ')) {
      finish();
      hunk = undefined;
      const [a, b] = splitDiffGitHeader(line.slice('diff --git '.length));
      cur = { status: 'modified', path: '', binary: false, hunks: [] };
      if (a !== undefined) cur.headerOld = stripPrefix(a, 'a/');
      if (b !== undefined) cur.headerNew = stripPrefix(b, 'b/');
      continue;
    }
    if (cur === undefined) continue;
    if (line.startsWith('@@')) {
      const h = parseHunkHeader(line);
      if (h !== undefined) {
        if (withText) {
          h.removed = [];
          h.added = [];
        }
        hunk = h;
        cur.hunks.push(h);
        remOld = h.oldLines;
        remNew = h.newLines;
      }
      continue;
    }
    const idx = /^index ([0-9a-f]{7,64})\.\.([0-9a-f]{7,64})(?: \d+)?$/.exec(line);
    if (idx !== null) {
      cur.oldBlob = idx[1];
      cur.newBlob = idx[2];
    } else if (line.startsWith('new file mode')) cur.status = 'added';
    else if (line.startsWith('deleted file mode')) cur.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      cur.status = 'renamed';
      cur.oldPath = unquoteC(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) cur.path = unquoteC(line.slice('rename to '.length));
    else if (line.startsWith('copy from ')) {
      cur.status = 'copied';
      cur.oldPath = unquoteC(line.slice('copy from '.length));
    } else if (line.startsWith('copy to ')) cur.path = unquoteC(line.slice('copy to '.length));
    else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) cur.binary = true;
    else if (line.startsWith('--- ')) {
      // git appends a tab after a name that contains a space.
      const p = line.slice(4).replace(/\t$/, '');
      if (p !== '/dev/null') cur.headerOld = stripPrefix(unquoteC(p), 'a/');
    } else if (line.startsWith('+++ ')) {
      const p = line.slice(4).replace(/\t$/, '');
      if (p === '/dev/null') cur.status = 'deleted';
      else cur.path = stripPrefix(unquoteC(p), 'b/');
    }
  }
  finish();
  return files;
}

/** `a/x b/y` (either side possibly C-quoted) → [a/x, b/y]. Ambiguous only for unquoted paths containing " b/"; then equal halves win. */
function splitDiffGitHeader(s: string): [string | undefined, string | undefined] {
  if (s.startsWith('"')) {
    const end = quotedEnd(s, 0);
    if (end < 0) return [undefined, undefined];
    const a = unquoteC(s.slice(0, end + 1));
    const rest = s.slice(end + 2);
    return [a, unquoteC(rest)];
  }
  if (s.endsWith('"')) {
    const start = s.lastIndexOf(' "');
    if (start < 0) return [undefined, undefined];
    return [s.slice(0, start), unquoteC(s.slice(start + 1))];
  }
  // Same path on both sides (the common case): "a/P b/P" has length 2|P| + 5.
  if ((s.length - 5) % 2 === 0) {
    const n = (s.length - 5) / 2;
    const a = s.slice(0, n + 2);
    const b = s.slice(n + 3);
    if (a.slice(2) === b.slice(2)) return [a, b];
  }
  const i = s.indexOf(' b/');
  return i < 0 ? [undefined, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function quotedEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

function stripPrefix(p: string, prefix: string): string {
  return p.startsWith(prefix) ? p.slice(prefix.length) : p;
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Undoes git's C-style quoting of unusual path names (`"tab\there"`, octal UTF-8 bytes). Unquoted input is returned as is. */
export function unquoteC(s: string): string {
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return s;
  const bytes: number[] = [];
  const body = s.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))?.[0] ?? '0';
      bytes.push(parseInt(oct, 8) & 0xff);
      i += oct.length;
    } else {
      bytes.push(C_ESCAPES[next] ?? next.charCodeAt(0));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const STATUS_LETTERS: Record<string, FileChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

/** Parses the `-z --name-status` listing that follows a commit header. */
export function parseNameStatusZ(rest: string): FileChange[] {
  const tokens = rest.split('\u0000');
  const files: FileChange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = (tokens[i] ?? '').replace(/^\n+/, '');
    const m = /^([AMDRCT])(\d{0,3})$/.exec(tok);
    if (m === null) continue;
    const status = STATUS_LETTERS[m[1] ?? ''] ?? 'modified';
    if (status === 'renamed' || status === 'copied') {
      const from = tokens[i + 1];
      const to = tokens[i + 2];
      i += 2;
      if (from === undefined || to === undefined || from === '' || to === '') continue;
      files.push({ status, oldPath: from, path: to, binary: false, hunks: [] });
    } else {
      const p = tokens[i + 1];
      i += 1;
      if (p === undefined || p === '') continue;
      const fc: FileChange = { status, path: p, binary: false, hunks: [] };
      if (status !== 'added') fc.oldPath = p;
      files.push(fc);
    }
  }
  return files;
}

/** Parses `git blame --porcelain -L n,n` output (one line). */
export function parseBlamePorcelain(stdout: string): BlameLine | undefined {
  const lines = stdout.split('\n');
  const head = /^([0-9a-f]{40}) (\d+) (\d+)(?: \d+)?$/.exec(lines[0] ?? '');
  if (head === null) return undefined;
  const sha = head[1] ?? '';
  const h = new Map<string, string>();
  let boundary = false;
  let content = '';
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.startsWith('\t')) {
      content = l.slice(1);
      break;
    }
    if (l === 'boundary') {
      boundary = true;
      continue;
    }
    const sp = l.indexOf(' ');
    if (sp > 0) h.set(l.slice(0, sp), l.slice(sp + 1));
  }
  const uncommitted = /^0{40}$/.test(sha);
  const time = h.get('author-time') ?? '';
  if (!uncommitted && !UNIX_TIME.test(time)) return undefined;
  return {
    sha,
    author: { name: h.get('author') ?? '', email: stripAngles(h.get('author-mail') ?? '') },
    authorTime: uncommitted ? 0 : Number(time) * 1000,
    commitTime: uncommitted || !UNIX_TIME.test(h.get('committer-time') ?? '') ? 0 : Number(h.get('committer-time')) * 1000,
    summary: h.get('summary') ?? '',
    boundary,
    uncommitted,
    path: h.get('filename') ?? '',
    originalLine: Number(head[2]),
    content,
  };
}

/**
 * Parses `git blame --line-porcelain` output (every line with its full header) into one BlameLine per
 * line, keyed by its final line number. Records that do not validate are skipped.
 */
export function parseBlameLinePorcelain(stdout: string): Map<number, BlameLine> {
  const out = new Map<number, BlameLine>();
  const lines = stdout.split('\n');
  let i = 0;
  while (i < lines.length) {
    const head = /^([0-9a-f]{40}) (\d+) (\d+)(?: \d+)?$/.exec(lines[i] ?? '');
    if (head === null) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').startsWith('\t')) j++;
    const rec = parseBlamePorcelain(lines.slice(i, j + 1).join('\n'));
    const finalLine = Number(head[3]);
    if (rec !== undefined && Number.isSafeInteger(finalLine)) out.set(finalLine, rec);
    i = j + 1;
  }
  return out;
}

function stripAngles(s: string): string {
  return s.startsWith('<') && s.endsWith('>') ? s.slice(1, -1) : s;
}

/** `for-each-ref --format` used by `parseTags`; fields NUL-separated, one ref per line. */
export const TAG_FORMAT =
  '--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00%(*objecttype)%00%(creatordate:unix)%00%(taggername)%00%(taggeremail)%00%(contents:subject)';

export function parseTags(stdout: string, stats: ParseStats = { dropped: 0 }): TagInfo[] {
  const out: TagInfo[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split('\u0000');
    const [ref, type, obj, peeled, peeledType, date, taggerName, taggerEmail, subject] = f;
    if (f.length !== 9 || ref === undefined || !ref.startsWith('refs/tags/') || date === undefined || !UNIX_TIME.test(date) || obj === undefined || !FULL_SHA.test(obj)) {
      stats.dropped++;
      continue;
    }
    const name = ref.slice('refs/tags/'.length);
    if (type === 'commit') {
      out.push({ name, annotated: false, targetSha: obj, date: Number(date) * 1000, dateSource: 'commit' });
    } else if (type === 'tag' && peeledType === 'commit' && peeled !== undefined && FULL_SHA.test(peeled)) {
      const t: TagInfo = { name, annotated: true, targetSha: peeled, date: Number(date) * 1000, dateSource: 'tagger' };
      if (taggerName !== undefined && taggerName !== '') t.tagger = { name: taggerName, email: stripAngles(taggerEmail ?? '') };
      if (subject !== undefined && subject !== '') t.subject = subject;
      out.push(t);
    } else {
      // Tags of trees/blobs, or tags of tags, are not deploys.
      stats.dropped++;
    }
  }
  return out;
}

/** Extracts the diff of one file from a `git diff -U0` patch; `unchanged` when the patch says nothing about it. */
export function fileDiffFromPatch(text: string, path: string): FileDiff {
  const files = parsePatch(text);
  const f = files.find((x) => x.oldPath === path || (x.path === path && x.status !== 'added')) ?? files.find((x) => x.path === path);
  if (f === undefined) return { oldPath: path, newPath: path, status: 'unchanged', binary: false, hunks: [] };
  return { oldPath: f.oldPath ?? path, newPath: f.path, status: f.status, binary: f.binary, hunks: f.hunks };
}
