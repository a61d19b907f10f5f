/** Shared helpers for the runtime parsers. Plain string scanning, so no regex can backtrack on long lines. */

export interface Location {
  file: string;
  line?: number;
  column?: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Reads a run of digits ending at `end` (exclusive); returns its start or -1. */
function digitsBefore(s: string, end: number): number {
  let i = end;
  while (i > 0 && isDigit(s.charCodeAt(i - 1)) && end - i < 10) i--;
  return i < end ? i : -1;
}

/** Splits "path:line[:column]" from the right. Returns undefined when there is no line number. */
export function splitLocation(loc: string): Location | undefined {
  const s = loc.trimEnd();
  const a = digitsBefore(s, s.length);
  if (a <= 0 || s[a - 1] !== ':') return undefined;
  const last = Number(s.slice(a));
  const b = digitsBefore(s, a - 1);
  if (b > 0 && s[b - 1] === ':') {
    const file = s.slice(0, b - 1);
    if (file.length > 0) return { file, line: Number(s.slice(b, a - 1)), column: last };
  }
  const file = s.slice(0, a - 1);
  if (file.length === 0) return undefined;
  return { file, line: last };
}

/** Index of the "(" that balances the ")" at the end of `s`, or -1. */
export function openParenForTrailing(s: string): number {
  if (!s.endsWith(')')) return -1;
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function positiveInt(s: string | undefined): number | undefined {
  if (s === undefined || s.length === 0 || s.length > 9) return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Leading whitespace width (tabs count as one). */
export function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}
