/**
 * Caps that keep parsing bounded on hostile or accidental input (alert payloads are untrusted text).
 * Traces beyond these sizes carry no extra value for "jump to the line"; what is cut is reported by
 * `ParsedTrace.truncated`.
 */
export const LIMITS = {
  /** Only the first 2 MiB of an alert's text is looked at. */
  maxInputChars: 2 * 1024 * 1024,
  /** Longer single lines are JSON-decoded only up to this size (structured log lines). */
  maxJsonLineChars: 1024 * 1024,
  /** Lines are cut to this length before any regex sees them, so every regex runs on short input. */
  maxLineChars: 4096,
  /** At most this many lines are examined. */
  maxLines: 20_000,
  /** Frames kept per exception (innermost first, so the interesting end survives). */
  maxFrames: 256,
  /** Chained exceptions kept per trace. */
  maxCauses: 16,
} as const;
