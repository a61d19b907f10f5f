import type { Alert } from '../../core/protocol/types';

/** One frame of an alert's stack trace, resolved to a file in the workspace. */
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

/** Provided by the stack-trace feature; used by deploys/suspects (which frames did the deploy touch?). */
export interface AlertFrames {
  /** The alert's in-app frames that resolved to workspace files, innermost first. */
  resolvedFrames(alert: Alert): Promise<ResolvedFrameRef[]>;
}
