/**
 * Git access and suspect commits (plain Node, no `vscode`). Entry points for the host:
 *  - `GitRepository.open(folder)` — read-only queries (range, blame, tags, file at sha, diff hunks);
 *  - `loadDeployHistory` / `mergeDeploys` + `deployInEffect(alert, deploys)` — which deploy was live;
 *  - `suspectsForTrace({ trace, resolver, repo, range })` — ranked suspect commits with reasons, from a parsed
 *    trace (the one entry point; `findSuspects(repo, { frames, range })` takes repo-relative frames);
 *  - `mapPositionForward/Backward` + `repo.diffHunks` — deployed line ↔ line in the editor.
 */
export * from './types';
export * from './validate';
export { GitError, GitRunner, DEFAULT_MAX_BUFFER, DEFAULT_TIMEOUT_MS } from './gitRunner';
export type { GitErrorCode, GitResult, GitRunnerOptions, RunOptions } from './gitRunner';
export { GitRepository, DEFAULT_TAG_PATTERNS } from './gitRepository';
export type { BlameRangeOptions, BlobAtRevision, FileAtRevision, QueryOptions, RangeOptions } from './gitRepository';
export * from './deploys';
export * from './suspects';
export * from './traceSuspects';
export * from './lineMap';
export { LruCache } from './lru';
export * from './remote';
