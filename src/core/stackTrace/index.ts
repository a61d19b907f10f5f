/**
 * Stack-trace parsing and path resolution: pure TypeScript, no `vscode` (the UI layer wires it to the editor).
 */
export type { ParsedTrace, ReadFile, StackFrame } from './types';
export { parseStackTrace } from './parse/index';
export { isInApp } from './inApp';
export { LIMITS } from './limits';
export { WorkspaceFileIndex, type WorkspaceFile } from './fileIndex';
export { validateOncallConfig, validateCodeMappings, type CodeMapping, type MappingValidation } from './mappings';
export {
  StackTraceResolver,
  resolveTrace,
  topInAppFrame,
  type Confidence,
  type ResolvedFrame,
  type ResolvedLocation,
  type ResolvedTrace,
  type ResolverOptions,
} from './resolve';
export { normalizeFramePath } from './pathUtil';
export { resolvedFrameRefs, type ResolvedFrameRef } from './frames';
