/**
 * `looksLikeStackTrace`: whether free text (an ntfy/Gotify message body, a string somewhere in a webhook's
 * details) is a stack trace of a common runtime, so it can be offered as the alert's trace. Shared by the
 * bridge's sources and the direct connections (issue 15 §4: the two copies had drifted).
 */

/** Only the start is looked at: a trace is recognised by its first frames, and alert text can be megabytes. */
const MAX_SCANNED_CHARS = 128 * 1024;

/**
 * JS/Java/.NET (`\n    at …`), Python (`Traceback (most recent call last)`), Go (`goroutine N [`, or a line
 * starting `file.go:N`), Ruby (`\n\tfrom file.rb:N:in `, or a line starting `file.rb:N`).
 * Linear in the input: the whitespace after a newline is `[ \t]`, not `\s` — `\s` also matches newlines, and
 * `\n\s+at` over a run of newlines took quadratic time (40,000 newlines: 3 s; a 256 KiB webhook value: minutes).
 */
export function looksLikeStackTrace(text: string): boolean {
  const s = text.length > MAX_SCANNED_CHARS ? text.slice(0, MAX_SCANNED_CHARS) : text;
  return (
    /\n[ \t]+at[ \t]+\S/.test(s) ||
    s.includes('Traceback (most recent call last)') ||
    /\ngoroutine \d+ \[/.test(s) ||
    /\n[ \t]+from \S+:\d+:in /.test(s) ||
    /^\S+\.(?:go|rb|py):\d+/m.test(s)
  );
}
