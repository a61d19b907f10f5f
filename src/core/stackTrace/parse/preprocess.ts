import { LIMITS } from '../limits';

/**
 * Turns alert text into plain trace lines: unwraps JSON log lines (the trace is usually in an escaped string
 * field), removes per-line log prefixes (timestamps, levels, the Kubernetes CRI "stderr F" prefix) and caps
 * sizes. Every step is linear in the input.
 */
export function toLines(text: string, opts: { shipperPrefixes?: boolean } = {}): { lines: string[]; truncated: boolean } {
  let truncated = false;
  let input = text;
  if (input.length > LIMITS.maxInputChars) {
    input = input.slice(0, LIMITS.maxInputChars);
    truncated = true;
  }
  const out: string[] = [];
  // Splitting stops one line past maxLines (the loop below then marks the result truncated).
  let raw = input.split(/\r\n|\r|\n/, LIMITS.maxLines + 1);
  if (opts.shipperPrefixes === true) raw = stripCommonPrefixes(raw.map((l) => (l.length > LIMITS.maxLineChars && !looksLikeJson(l) ? l.slice(0, LIMITS.maxLineChars) : l)));
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
  if (parts.length === 0) {
    // One log event per trace line (CloudWatch events, Google Cloud Logging entries): the message field.
    const m = messageField(value, 0);
    return m === undefined ? undefined : [m];
  }
  return parts.join('\n').split(/\r\n|\r|\n/);
}

const MESSAGE_KEYS = ['message', 'textPayload', '@message', 'msg', 'log', 'MESSAGE'];

/** The single-line message of a log event object (`message`, `textPayload`, `jsonPayload.message`, ...). */
function messageField(v: unknown, depth: number): string | undefined {
  if (depth > 3 || !v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  for (const k of MESSAGE_KEYS) if (typeof o[k] === 'string') return o[k];
  for (const k of ['jsonPayload', 'event', 'data']) {
    const m = messageField(o[k], depth + 1);
    if (m !== undefined) return m;
  }
  return undefined;
}

/** Characters a log shipper's prefix ends with (after them comes the program's own line). */
const PREFIX_ENDS = [': ', '| ', '] ', '> ', '- ', '\t'];
const MIN_PREFIX = 4;
const MIN_RUN = 3;

/**
 * Log shippers (journald, syslog, docker compose, Heroku, kubectl --prefix, ...) put the same prefix before
 * every line: consecutive lines whose text, digits aside (timestamps, pids), starts the same up to a
 * separator lose that prefix. A prefix never starts with whitespace (indentation belongs to the trace) and
 * must cover at least MIN_RUN consecutive lines. Linear: each line is compared with the run's prefix once.
 */
export function stripCommonPrefixes(lines: readonly string[]): string[] {
  const out = [...lines];
  const shape = (l: string): string => l.slice(0, 300).replace(/\d/g, '0');
  let i = 0;
  while (i < lines.length) {
    const a = shape(lines[i] ?? '');
    const b = shape(lines[i + 1] ?? '');
    const p = i + 1 < lines.length && !/^\s/.test(a) ? cutAtSeparator(a, commonLength(a, b)) : 0;
    if (p < MIN_PREFIX) {
      i++;
      continue;
    }
    const prefix = a.slice(0, p);
    let j = i + 1;
    while (j < lines.length && shape(lines[j] ?? '').startsWith(prefix)) j++;
    if (j - i >= MIN_RUN) for (let k = i; k < j; k++) out[k] = (lines[k] ?? '').slice(p);
    i = j;
  }
  return out;
}

function commonLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && a.charCodeAt(k) === b.charCodeAt(k)) k++;
  return k;
}

/** The longest prefix of `s` within `max` characters that ends with a separator; 0 when none. */
function cutAtSeparator(s: string, max: number): number {
  for (let k = max; k >= MIN_PREFIX; k--) {
    const head = s.slice(0, k);
    if (PREFIX_ENDS.some((e) => head.endsWith(e))) {
      // Keep the trace's own indentation: a separator's trailing space is the shipper's, more spaces are not.
      return k;
    }
  }
  return 0;
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
