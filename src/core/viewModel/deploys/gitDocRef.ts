/**
 * The read-only documents "file X at commit Y" behind the commit diffs and "Open at deployed version":
 * URIs `oncall-git:/<repo-relative path>?{"sha":"<40 hex>","root":"<repo top level>"}`.
 *
 * A URI is just text — anything (a restored editor, a link in a markdown preview) can ask us to open one —
 * so reading it validates everything again: the sha is a full lowercase object name (or `empty`, the
 * missing side of an added/deleted file), the path a repo-relative path git can take. The host also
 * checks `root` against repositories it opened and the path against the files it offered.
 */
import { assertRepoPath, isFullSha } from '../../git/validate';

export const GIT_DOC_SCHEME = 'oncall-git';

export interface GitDocRef {
  /** Repository top level (fsPath). */
  root: string;
  /** Full sha, or 'empty' for the side of a diff where the file does not exist. */
  sha: string;
  /** Repo-relative POSIX path. */
  path: string;
}

/** URI path and query for a ref (the caller builds the URI with its scheme). */
export function encodeGitDocRef(ref: GitDocRef): { path: string; query: string } {
  return { path: `/${ref.path}`, query: JSON.stringify({ sha: ref.sha, root: ref.root }) };
}

/** Parses and validates a URI's path and query; throws an Error with a user-presentable message. */
export function decodeGitDocRef(uriPath: string, query: string): GitDocRef {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch {
    throw new Error('not an On Call git document (bad query)');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not an On Call git document (bad query)');
  const { sha, root } = parsed as { sha?: unknown; root?: unknown };
  if (sha !== 'empty' && !isFullSha(sha)) throw new Error('not an On Call git document (the sha must be 40 lowercase hex characters)');
  if (typeof root !== 'string' || root.length === 0 || root.length > 4096) throw new Error('not an On Call git document (no repository)');
  if (!uriPath.startsWith('/')) throw new Error('not an On Call git document (bad path)');
  const path = assertRepoPath(uriPath.slice(1), 'document path');
  return { root, sha, path };
}

/** Key of a (root, sha, path) triple in the host's allow-list. */
export function gitDocKey(ref: GitDocRef): string {
  return JSON.stringify([ref.root, ref.sha, ref.path]);
}
