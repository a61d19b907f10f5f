/** Result of parsing one stack trace (see parseStackTrace). */
export interface ParsedTrace {
  /** 'node' | 'browser' | 'python' | 'java' | 'go' | 'dotnet' | 'ruby' | 'php' | 'rust' | 'unknown' */
  language: string;
  errorType?: string;
  message?: string;
  /** Innermost first: the frame where the error was raised comes first. */
  frames: StackFrame[];
  /** Other exceptions of a chain (causes / the exceptions handled while this one was raised). */
  causes?: ParsedTrace[];
  /**
   * (added) How this trace relates to the one whose `causes` it is in: 'cause' (Java "Caused by:", Python
   * "raise ... from", Node `[cause]`, Ruby cause), 'context' (Python "During handling ..."), 'suppressed'
   * (Java), 'inner' (.NET "--->"), 'previous' (PHP). Absent on the top-level trace.
   */
  relation?: 'cause' | 'context' | 'suppressed' | 'inner' | 'previous';
  /** (added) Frames the runtime itself left out ("... 3 more", "[Previous line repeated 996 more times]", Ruby "... N levels..."). */
  omittedFrames?: number;
  /** (added) True when a size cap cut the input, the frames or the causes (see LIMITS). */
  truncated?: boolean;
}

export interface StackFrame {
  /** Path as the runtime printed it (no mapping). */
  file?: string;
  line?: number;
  column?: number;
  function?: string;
  /** Module/package (Python module, Go package, Java package). */
  module?: string;
  className?: string;
  /** The original line of text. */
  raw: string;
  /** false for library frames (node_modules, site-packages, JDK, GOROOT, vendor, ...). */
  inApp?: boolean;
}

/** Reads a workspace file's text (go.mod, source maps, bundles); undefined when missing or unreadable. */
export type ReadFile = (relPath: string, folder: string) => Promise<string | undefined>;
