import { LIMITS } from '../limits';

/**
 * Turns alert text into plain trace lines: unwraps JSON log lines (the trace is usually in an escaped string
 * field), removes per-line log prefixes (timestamps, levels, the Kubernetes CRI "stderr F" prefix) and caps
 * sizes. Every step is linear in the input.
 */
export function toLines(text: string): { lines: string[]; truncated: boolean } {
  let truncated = false;
  let input = text;
  if (input.length > LIMITS.maxInputChars) {
    input = input.slice(0, LIMITS.maxInputChars);
    truncated = true;
  }
  const out: string[] = [];
  // Splitting the whole capped input is linear; lines beyond maxLines are dropped below.
  const raw = input.split(/\r\n|\r|\n/);
  for (const rawLine of raw) {
    if (out.length >= LIMITS.maxLines) {
      truncated = true;
      break;
    }
    const line = stripLogPrefix(rawLine.length > LIMITS.maxLineChars && !looksLikeJson(rawLine) ? rawLine.slice(0, LIMITS.maxLineChars) : rawLine);
    const expanded = expandStructured(line);
    if (expanded) {
      for (const l of expanded) {
        if (out.length >= LIMITS.maxLines) break;
        out.push(capLine(stripLogPrefix(l)));
      }
    } else {
      out.push(capLine(line));
    }
  }
  return { lines: out, truncated };
}

function capLine(l: string): string {
  return l.length > LIMITS.maxLineChars ? l.slice(0, LIMITS.maxLineChars) : l;
}

function looksLikeJson(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

// Anchored, with only bounded or non-overlapping repetition: a timestamp (ISO 8601, "2026-11-20 10:00:00,123",
// Go's "2026/11/20 10:00:00"), optionally bracketed, then an optional CRI stream tag and log level.
const PREFIX_RE =
  /^\[?\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?\]?(?: (?:stdout|stderr) [FP])?(?: \[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|SEVERE|PANIC)\]?:?)? ?/;

/** Removes one log prefix; the rest of the line keeps its indentation (frames are recognised by it). */
export function stripLogPrefix(line: string): string {
  if (line.length < 10 || !/^\[?\d/.test(line)) return line;
  const m = PREFIX_RE.exec(line);
  return m ? line.slice(m[0].length) : line;
}

/**
 * A JSON log line ({"level":"error","stack":"Error: x\n    at ..."}) becomes the lines of its multi-line
 * string fields (and string arrays, e.g. Ruby's backtrace), in field order. Returns undefined for other lines.
 */
export function expandStructured(line: string): string[] | undefined {
  const start = line.search(/[{[]/);
  if (start < 0 || start > 200) return undefined;
  if (line.length > LIMITS.maxJsonLineChars) return undefined;
  const body = line.slice(start).trimEnd();
  if (!(body.endsWith('}') || body.endsWith(']'))) return unescapeFallback(line);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return unescapeFallback(line);
  }
  const parts: string[] = [];
  collect(value, parts, 0);
  if (parts.length === 0) return undefined;
  return parts.join('\n').split(/\r\n|\r|\n/);
}

function collect(v: unknown, parts: string[], depth: number): void {
  if (depth > 8 || parts.length > 64) return;
  if (typeof v === 'string') {
    if (v.includes('\n')) parts.push(v);
    return;
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'string')) {
      // A backtrace given as an array of frame strings.
      if (v.length > 1 || String(v[0]).includes('\n')) parts.push(v.join('\n'));
      return;
    }
    for (const x of v.slice(0, 256)) collect(x, parts, depth + 1);
    return;
  }
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as Record<string, unknown>).slice(0, 256)) collect(x, parts, depth + 1);
  }
}

/** Truncated or otherwise invalid JSON: decode the escapes by hand when the line clearly holds an escaped trace. */
function unescapeFallback(line: string): string[] | undefined {
  const first = line.indexOf('\\n');
  if (first < 0 || line.indexOf('\\n', first + 2) < 0) return undefined;
  const map: Record<string, string> = { n: '\n', t: '\t', r: '', '"': '"', '\\': '\\', '/': '/', b: '', f: '' };
  const decoded = line.replace(/\\(["\\/bfnrt])/g, (_m, c: string) => map[c] ?? '');
  return decoded.split('\n');
}
