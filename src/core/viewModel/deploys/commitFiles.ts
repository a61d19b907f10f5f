/**
 * The two listings the commit diff needs that GitRepository does not offer: one commit with its parent and
 * changed files, and the files changed between two commits (a deploy's range). Read-only, validated
 * before git runs (through the same runner, so the same allow-list, timeouts and cache apply).
 */
import type { QueryOptions } from '../../git/gitRepository';
import type { GitRepository } from '../../git/gitRepository';
import { GitError } from '../../git/gitRunner';
import { COMMIT_FORMAT, parseLog, parseNameStatusZ } from '../../git/parse';
import type { CommitInfo, FileChange } from '../../git/types';
import { assertSha } from '../../git/validate';

const FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--find-renames'];

/**
 * One commit with the files it changed against its first parent (a merge shows what it brought into the
 * branch; a root commit lists every file as added). The sha may be abbreviated; the result has the full one.
 */
export async function commitWithFiles(repo: GitRepository, sha: string, opts: QueryOptions = {}): Promise<CommitInfo> {
  const s = assertSha(sha);
  const args = ['log', '-1', '-m', '--first-parent', '--no-show-signature', '-z', '--name-status', ...FLAGS, COMMIT_FORMAT, '--end-of-options', s, '--'];
  const out = await repo.runner.run(args, { ...opts, revs: [s], cacheable: s.length === 40 });
  const commit = parseLog(out.stdout, 'name-status')[0];
  if (commit === undefined) throw new GitError('unknown-revision', `unknown revision ${s} — fetch the deployed commits?`);
  return commit;
}

/** Files changed between two commits (`git diff from to`), renames detected. */
export async function filesBetween(repo: GitRepository, from: string, to: string, opts: QueryOptions = {}): Promise<FileChange[]> {
  const a = assertSha(from, 'range start sha');
  const b = assertSha(to, 'range end sha');
  const out = await repo.runner.run(['diff', '-z', '--name-status', ...FLAGS, '--end-of-options', a, b, '--'], {
    ...opts,
    revs: [a, b],
    cacheable: a.length === 40 && b.length === 40,
  });
  return parseNameStatusZ(out.stdout);
}

/** The two sides of one file change: the path to read at the old and at the new commit (undefined = no file). */
export function sidesOf(change: FileChange): { oldPath?: string; newPath?: string } {
  switch (change.status) {
    case 'added':
      return { newPath: change.path };
    case 'deleted':
      return { oldPath: change.oldPath ?? change.path };
    case 'copied':
    case 'renamed':
      return { oldPath: change.oldPath ?? change.path, newPath: change.path };
    default:
      return { oldPath: change.oldPath ?? change.path, newPath: change.path };
  }
}
