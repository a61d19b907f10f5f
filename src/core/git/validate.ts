/**
 * Validation of everything that ends up on a git command line.
 *
 * Shas, paths and tag patterns reach us from alert payloads, deploy events and settings, i.e. from
 * text someone else wrote. git parses its own argv, so a value starting with `-` would become an
 * option (`--output=/tmp/x` writes a file) and a path with `..` would escape the repository.
 * Every public query validates its inputs here *before* a process is spawned; the runner never
 * sees an unvalidated value.
 */

/** Thrown for an input that must not reach git. No process has been started when this is thrown. */
export class GitInputError extends Error {
  override readonly name = 'GitInputError';
  constructor(message: string) {
    super(message);
  }
}

const SHA_RE = /^[0-9a-f]{7,40}$/;
/** Full object name: the only form that is safe as a cache key forever. */
const FULL_SHA_RE = /^[0-9a-f]{40}$/;

export function isSha(value: unknown): value is string {
  return typeof value === 'string' && SHA_RE.test(value);
}

export function isFullSha(value: unknown): value is string {
  return typeof value === 'string' && FULL_SHA_RE.test(value);
}

/** Accepts lowercase hex 7–40 only (upper case is rejected rather than normalised so a cache key has one spelling). */
export function assertSha(value: unknown, what = 'commit sha'): string {
  if (!isSha(value)) throw new GitInputError(`invalid ${what} ${describe(value)}: expected 7–40 lowercase hex characters`);
  return value;
}

/** Two sha spellings (possibly abbreviated) name the same object when one is a prefix of the other. */
export function sameSha(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/**
 * A repo-relative POSIX path: no absolute paths, no `..` or `.` segments, no empty segments, no leading
 * `-` (even after `--` a leading dash is a smell worth refusing), no backslashes, no control characters,
 * no `:` at the start (git pathspec magic such as `:(glob)`), at most 4096 characters.
 */
export function assertRepoPath(value: unknown, what = 'path'): string {
  if (typeof value !== 'string' || value.length === 0) throw new GitInputError(`invalid ${what}: empty`);
  const bad = (why: string): never => {
    throw new GitInputError(`invalid ${what} ${describe(value)}: ${why}`);
  };
  if (value.length > 4096) bad('too long');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) bad('contains control characters');
  if (value.includes('\\')) bad('use forward slashes');
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) bad('must be relative to the repository root');
  if (value.startsWith('-')) bad('must not start with "-"');
  if (value.startsWith(':')) bad('must not start with ":"');
  for (const seg of value.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') bad('must not contain empty, "." or ".." segments');
    if (seg.startsWith('-')) bad('no segment may start with "-"');
  }
  return value;
}

/** A 1-based line number git can take in `-L n,n`. */
export function assertLine(value: unknown, what = 'line'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000_000) {
    throw new GitInputError(`invalid ${what} ${describe(value)}: expected a positive integer`);
  }
  return value;
}

/**
 * A tag glob for `git for-each-ref refs/tags/<glob>`, e.g. `deploy-*`, `release/*`, `v*`.
 * Only `[A-Za-z0-9._/*-]`, must start with a letter or digit, no `..`, no `//`, at most 100 characters.
 * Brackets and `?` are refused: they are not needed for deploy tags and keep the pattern obviously inert.
 */
export function assertTagGlob(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._/*-]{0,99}$/.test(value) || value.includes('..') || value.includes('//') || value.endsWith('/')) {
    throw new GitInputError(`invalid tag pattern ${describe(value)}: use letters, digits, . _ - / and *, starting with a letter or digit`);
  }
  return value;
}

/**
 * The working tree (uncommitted files) as the "to" side of a diff or the subject of a blame. Spelled so
 * that it is never a valid ref name (a branch called "working-tree" stays a branch).
 */
export const WORKING_TREE = ':working-tree' as const;
export type WorkingTree = typeof WORKING_TREE;

/**
 * A revision we accept from callers: a sha, `HEAD`, or a plain ref name (`main`, `origin/main`,
 * `refs/tags/v1`). Ref names are validated against a conservative subset of git-check-ref-format and
 * can never start with `-`. Alert-derived values should go through `assertSha` instead.
 */
export function assertRev(value: unknown, what = 'revision'): string {
  if (typeof value !== 'string') throw new GitInputError(`invalid ${what} ${describe(value)}`);
  const v: string = value;
  if (SHA_RE.test(v) || v === 'HEAD') return v;
  if (
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(v) &&
    !v.includes('..') &&
    !v.includes('//') &&
    !v.endsWith('/') &&
    !v.endsWith('.') &&
    !v.endsWith('.lock') &&
    !v.includes('/.')
  ) {
    return v;
  }
  throw new GitInputError(`invalid ${what} ${describe(value)}: expected a sha, HEAD or a ref name`);
}

/** Short, printable rendering of a rejected value for error messages (never echo a huge or multi-line value). */
export function describe(value: unknown): string {
  if (typeof value !== 'string') return `(${typeof value})`;
  // eslint-disable-next-line no-control-regex
  const s = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}
