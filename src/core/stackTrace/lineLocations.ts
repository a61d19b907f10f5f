import { LIMITS } from './limits';

/** A file location printed somewhere in one line of text. */
export interface LineLocation {
  file: string;
  line: number;
  column?: number;
  /** Offset of `file` in the line. */
  index: number;
  /** Length of the whole printed location (file plus its line/column suffix). */
  length: number;
}

// Bounded quantifiers only: this runs on every line a terminal prints.
const PATTERNS: Array<{ re: RegExp; file: number; line: number; col?: number }> = [
  // Python:  File "/app/billing/invoice.py", line 9, in compute
  { re: /File "([^"\n]{1,500})", line (\d{1,7})/g, file: 1, line: 2 },
  // .NET:  in /src/Billing/Invoice.cs:line 42
  { re: /\bin ((?:[A-Za-z]:)?[^\s:()"']{1,500}\.[A-Za-z0-9]{1,10}):line (\d{1,7})/g, file: 1, line: 2 },
  // JVM:  (StockService.java:24)
  { re: /\(([\w$.-]{1,300}\.(?:java|kt|kts|scala|groovy|clj)):(\d{1,7})\)/g, file: 1, line: 2 },
  // PHP:  #0 /var/www/app/src/Cart.php(12): ...
  { re: /((?:[A-Za-z]:)?[\w@.~\-/\\]{1,500}\.php)\((\d{1,7})\)/g, file: 1, line: 2 },
  // Generic path:line[:col] — Node, Go (/go/src/x.go:44 +0x1d), Rust, Ruby, browsers, compilers.
  { re: /((?:[A-Za-z]:)?(?:file:\/\/\/?|webpack:\/\/\/?)?[\w@.~\-/\\]{1,500}\.[A-Za-z][A-Za-z0-9]{0,9}):(\d{1,7})(?::(\d{1,7}))?/g, file: 1, line: 2, col: 3 },
];

/**
 * File locations in a single line of text, for runtimes whose frames span two lines (Go) or whose frame lines
 * are not recognisable without their header (a lone Python "File ..." line in a terminal). Overlapping matches
 * keep the first pattern's (most specific) reading.
 */
export function locationsInLine(text: string): LineLocation[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const line = text.length > LIMITS.maxLineChars ? text.slice(0, LIMITS.maxLineChars) : text;
  const out: LineLocation[] = [];
  const taken: Array<[number, number]> = [];
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(line); m !== null && out.length < 20; m = p.re.exec(line)) {
      const file = m[p.file]!;
      const index = m.index + m[0].indexOf(file);
      const end = m.index + m[0].length;
      if (taken.some(([a, b]) => index < b && end > a)) continue;
      const n = Number(m[p.line]);
      const col = p.col !== undefined && m[p.col] ? Number(m[p.col]) : undefined;
      if (!Number.isSafeInteger(n) || n < 1) continue;
      taken.push([index, end]);
      out.push({ file, line: n, ...(col !== undefined ? { column: col } : {}), index, length: end - index });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}
