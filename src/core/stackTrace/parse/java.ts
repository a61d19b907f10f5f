import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, parseHeader, type Block } from './model';
import { splitLocation } from './util';

// "java.lang.IllegalStateException: msg", optionally after 'Exception in thread "main" '.
const HEADER_RE = /^(?:Exception in thread "[^"]{0,200}" )?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)(?:: ?(.*))?$/;
const MORE_RE = /^\.\.\. (\d{1,9}) (?:more|common frames omitted)$/;

/**
 * One JVM frame: "at com.acme.Foo$Inner.method(Foo.java:12)", with an optional module/class-loader prefix
 * ("java.base/", "app//") and logback's packaging suffix (" ~[app.jar:1.0]"). Kotlin and Scala print the same.
 */
export function parseJvmFrame(line: string): StackFrame | undefined {
  let t = line.trim();
  if (!t.startsWith('at ')) return undefined;
  t = t.slice(3).trim().replace(/\s~?\[[^\]]{0,300}\]$/, '');
  if (!t.endsWith(')')) return undefined;
  const open = t.lastIndexOf('(');
  if (open <= 0) return undefined;
  let qualified = t.slice(0, open);
  if (/\s/.test(qualified)) return undefined;
  const slash = qualified.lastIndexOf('/');
  if (slash >= 0) qualified = qualified.slice(slash + 1);
  const dot = qualified.lastIndexOf('.');
  if (dot <= 0 || dot === qualified.length - 1) return undefined;
  const className = qualified.slice(0, dot);
  const frame: StackFrame = { raw: line, function: qualified.slice(dot + 1), className };
  const pkgDot = className.lastIndexOf('.');
  if (pkgDot > 0) frame.module = className.slice(0, pkgDot);
  const loc = t.slice(open + 1, -1);
  const l = splitLocation(loc);
  if (l) {
    if (/[\s()]/.test(l.file)) return undefined;
    frame.file = l.file;
    frame.line = l.line;
  } else if (/^[\w$-]+\.(?:java|kt|kts|scala|groovy|clj)$/.test(loc)) {
    frame.file = loc;
  } else if (!/^(?:Native Method|Unknown Source|Compiled Code|<generated>|)$/.test(loc)) {
    // Something else in the parentheses (a .NET argument list, a V8 location): not a JVM frame.
    return undefined;
  }
  return frame;
}

export function parseJava(lines: string[]): ParsedTrace | undefined {
  let main: Block | undefined;
  const others: Block[] = [];
  let current: Block | undefined;
  let buffer: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    const f = t.startsWith('at ') ? parseJvmFrame(line) : undefined;
    if (f) {
      if (!current) {
        if (main) break;
        current = newBlock(headerFrom(buffer));
        main = current;
      }
      current.frames.push(f);
      buffer = [];
      continue;
    }
    const rel = /^(Caused by|Suppressed): (.*)$/.exec(t);
    if (rel && main) {
      const h = HEADER_RE.exec(rel[2] ?? '') ?? undefined;
      current = newBlock({ relation: rel[1] === 'Suppressed' ? 'suppressed' : 'cause' });
      if (h?.[1]) {
        current.errorType = h[1];
        if (h[2] !== undefined) current.message = h[2];
      } else {
        current.message = rel[2];
      }
      others.push(current);
      continue;
    }
    const more = MORE_RE.exec(t);
    if (more && current) {
      current.omitted = (current.omitted ?? 0) + Number(more[1]);
      continue;
    }
    if (current && current.frames.length === 0 && t !== '') {
      // A multi-line message of a "Caused by:" exception.
      current.message = current.message === undefined ? t : `${current.message}\n${t}`;
      continue;
    }
    if (main && current && current.frames.length > 0) {
      // Text after the frames ends this trace (a blank line or a following log line).
      break;
    }
    if (t !== '') {
      buffer.push(line);
      if (buffer.length > 20) buffer.shift();
    }
  }
  return main ? assemble('java', main, others) : undefined;
}

/** The header is the last line before the frames that names an exception class; lines after it continue the message. */
function headerFrom(buffer: string[]): Partial<Block> {
  for (let i = buffer.length - 1; i >= 0; i--) {
    const m = HEADER_RE.exec(buffer[i]!.trim());
    if (m?.[1] && (m[2] !== undefined || /(?:Exception|Error|Throwable)$/.test(m[1]))) {
      const rest = buffer.slice(i + 1).map((l) => l.trim());
      const message = [m[2], ...rest].filter((x): x is string => x !== undefined).join('\n');
      return message === '' ? { errorType: m[1] } : { errorType: m[1], message };
    }
  }
  const last = buffer[buffer.length - 1];
  return last ? (parseHeader(last) ?? {}) : {};
}
