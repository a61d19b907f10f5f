/**
 * The one way from a stack trace to ranked suspect commits, used by the editor, the tests and the
 * benchmark alike: parse → resolve to workspace files (StackTraceResolver) → repository-relative frames →
 * findSuspects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolvedFrameRefs, type ResolvedFrameRef } from '../stackTrace/frames';
import type { ResolvedTrace } from '../stackTrace/resolve';
import type { ParsedTrace } from '../stackTrace/types';
import type { GitRepository } from './gitRepository';
import { findSuspects, type SuspectFrameInput, type SuspectOptions, type SuspectReport } from './suspects';

/** What resolves a parsed trace to workspace files (a StackTraceResolver, or the editor's cached one). */
export interface TraceResolver {
  resolve(trace: ParsedTrace): Promise<ResolvedTrace>;
}

/** The repository, or how to find it from the workspace folder of the top resolved frame (undefined: none resolved). */
export type RepoChoice = GitRepository | ((folder: string | undefined) => Promise<GitRepository | undefined>);

export interface TraceSuspectOptions extends Omit<SuspectOptions, 'frames'> {
  trace: ParsedTrace;
  resolver: TraceResolver;
  repo: RepoChoice;
}

export interface TraceSuspects {
  /** Undefined when there is no repository to ask. */
  repo?: GitRepository;
  resolved: ResolvedTrace;
  /** The frames handed to findSuspects (repo-relative, innermost first). */
  frames: SuspectFrameInput[];
  /** Undefined when there is no repository. */
  report?: SuspectReport;
}

/**
 * Repo-relative POSIX path of a folder-relative frame path, or undefined when it lies outside the repo.
 * The folder may be a symlink (e.g. /tmp on macOS) while git prints the real top level: compare real paths.
 */
export function repoRelativePath(root: string, folder: string, folderRelative: string): string | undefined {
  const real = (p: string): string => {
    try {
      return fs.realpathSync.native(p);
    } catch {
      return p;
    }
  };
  const abs = path.join(real(folder), ...folderRelative.split('/'));
  const rel = path.relative(real(root), abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** The in-app resolved frames that lie in `repo`, as findSuspects inputs. */
export function suspectFrames(refs: readonly ResolvedFrameRef[], repoRoot: string): SuspectFrameInput[] {
  const out: SuspectFrameInput[] = [];
  for (const f of [...refs].filter((r) => r.inApp).sort((a, b) => a.depth - b.depth)) {
    const p = repoRelativePath(repoRoot, f.folder, f.path);
    if (p === undefined) continue;
    const input: SuspectFrameInput = { path: p, line: f.line, inApp: true };
    if (f.function !== undefined) input.function = f.function;
    out.push(input);
  }
  return out;
}

/** Ranked suspects for a parsed trace: resolves it, keeps the frames inside the repository, ranks. */
export async function suspectsForTrace(opts: TraceSuspectOptions): Promise<TraceSuspects> {
  const { trace, resolver, repo: choice, ...rest } = opts;
  const resolved = await resolver.resolve(trace);
  const refs = resolvedFrameRefs(resolved);
  const repo = typeof choice === 'function' ? await choice(refs[0]?.folder) : choice;
  if (repo === undefined) return { resolved, frames: [] };
  const frames = suspectFrames(refs, repo.root);
  const report = await findSuspects(repo, { ...rest, frames });
  return { repo, resolved, frames, report };
}
