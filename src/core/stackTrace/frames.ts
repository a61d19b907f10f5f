import type { ResolvedTrace } from './resolve';

/** One frame of a stack trace, resolved to a file in the workspace. */
export interface ResolvedFrameRef {
  /** fsPath of the workspace folder that holds the file. */
  folder: string;
  /** Folder-relative POSIX path (from the workspace index — never built from alert text). */
  path: string;
  /** 1-based. */
  line: number;
  column?: number;
  function?: string;
  inApp: boolean;
  /** 0 = innermost frame. */
  depth: number;
}

/** The in-app frames of a resolved trace that landed on a workspace file and line, innermost first. */
export function resolvedFrameRefs(r: ResolvedTrace): ResolvedFrameRef[] {
  return r.frames.flatMap((f, depth): ResolvedFrameRef[] =>
    f.resolved && f.frame.inApp !== false && f.resolved.line !== undefined
      ? [{ folder: f.resolved.folder, path: f.resolved.path, line: f.resolved.line, ...(f.resolved.column !== undefined ? { column: f.resolved.column } : {}), ...(f.frame.function ? { function: f.frame.function } : {}), inApp: true, depth }]
      : [],
  );
}
