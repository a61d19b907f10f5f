/** Data shapes returned by the git queries (plain data, JSON-serialisable). */

/** One hunk header of a unified diff (`@@ -oldStart,oldLines +newStart,newLines @@ context`). */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second `@@`: git's guess of the enclosing function, in the *old* file. */
  context?: string;
  /** Removed / added line texts (without the -/+), only when asked for (`withText`); bounded, see HUNK_TEXT_LIMITS. */
  removed?: string[];
  added?: string[];
}

export type FileChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

/** What one commit (or one diff) did to one file. */
export interface FileChange {
  status: FileChangeStatus;
  /** Path before the change (same as `path` unless renamed/copied; absent when added). */
  oldPath?: string;
  /** Path after the change (for a deletion: the deleted path). */
  path: string;
  binary: boolean;
  /** Blob ids before/after (from the `index` line; full with `--full-index`), when git printed them. */
  oldBlob?: string;
  newBlob?: string;
  /** Empty for binary files, pure renames and when hunks were not requested. */
  hunks: Hunk[];
}

export interface GitPerson {
  name: string;
  email: string;
}

export interface CommitInfo {
  /** Full 40-hex sha. */
  sha: string;
  parents: string[];
  author: GitPerson;
  /** Author time, ms since epoch. */
  authorTime: number;
  committer: GitPerson;
  commitTime: number;
  /** First line of the message. Untrusted text: display it, never interpret it. */
  subject: string;
  files: FileChange[];
}

export interface BlameLine {
  /** Full sha; all zeros for an uncommitted line. */
  sha: string;
  author: GitPerson;
  /** Author time, ms since epoch (0 when uncommitted). */
  authorTime: number;
  /** Committer time, ms since epoch (0 when uncommitted). */
  commitTime: number;
  summary: string;
  /** The commit is a boundary (root commit or range bound): the line may be older than it says. */
  boundary: boolean;
  /** The line is not committed yet (working-tree blame). */
  uncommitted: boolean;
  /** Path of the line in that commit (differs from the query after a rename). */
  path: string;
  /** Line number in that commit. */
  originalLine: number;
  /** The line's text. */
  content: string;
}

export interface TagInfo {
  /** Name without `refs/tags/`. */
  name: string;
  annotated: boolean;
  /** Full sha of the commit the tag points at. */
  targetSha: string;
  /** Tagger date for annotated tags, commit date for lightweight ones (ms since epoch). */
  date: number;
  dateSource: 'tagger' | 'commit';
  tagger?: GitPerson;
  /** Annotated tag message subject. Untrusted text. */
  subject?: string;
}

/** Diff of one file between two versions (for line mapping). */
export interface FileDiff {
  /** Path in the "from" version. */
  oldPath: string;
  /** Path in the "to" version (differs after a rename; equal to oldPath when deleted). */
  newPath: string;
  status: FileChangeStatus | 'unchanged';
  binary: boolean;
  hunks: Hunk[];
}
