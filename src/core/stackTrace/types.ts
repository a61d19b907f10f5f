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
