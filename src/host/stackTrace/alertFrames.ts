import type { TraceResolver } from '../../core/git/traceSuspects';
import type { ResolvedFrameRef } from '../../core/stackTrace/frames';
import type { ParsedTrace } from '../../core/stackTrace/types';
import type { Alert } from '../../core/protocol/types';

export type { ResolvedFrameRef } from '../../core/stackTrace/frames';

/** Provided by the stack-trace feature; used by deploys/suspects (which frames did the deploy touch?). */
export interface AlertFrames {
  /** The alert's in-app frames that resolved to workspace files, innermost first. */
  resolvedFrames(alert: Alert): Promise<ResolvedFrameRef[]>;
  /** The alert's parsed trace and the workspace resolver, for `suspectsForTrace`; undefined without a trace. */
  traceInput(alert: Alert): { trace: ParsedTrace; resolver: TraceResolver } | undefined;
}
