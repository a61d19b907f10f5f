import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, parseHeader, type Block } from './model';
import { openParenForTrailing, splitLocation } from './util';

/**
 * V8 stacks (Node, Chrome, Edge, Deno, Bun): "    at fn (file:line:col)", "    at file:line:col",
 * "at async fn (...)", "at new Foo (...)", "at Array.map (<anonymous>)", eval frames, and Node's
 * "[cause]: Error: ..." blocks printed by util.inspect.
 */
export function parseV8Frame(line: string): StackFrame | undefined {
  const t = line.trim();
  if (!t.startsWith('at ')) return undefined;
  let body = t.slice(3).trim();
  if (body.startsWith('async ')) body = body.slice(6);
  const open = openParenForTrailing(body);
  let fn: string | undefined;
  let loc: string;
  if (open > 0 && body[open - 1] === ' ') {
    fn = body.slice(0, open - 1).trim();
    loc = body.slice(open + 1, -1);
  } else if (open < 0 && !/[\s()]/.test(body)) {
    loc = body;
  } else {
    return undefined;
  }
  // "eval at runRule (/app/x.js:4:10), <anonymous>:1:26": the file that called eval is what can be opened.
  for (let i = 0; i < 4 && loc.startsWith('eval at '); i++) {
    const a = loc.indexOf('(');
    const b = loc.lastIndexOf('),');
    if (a < 0 || b <= a) break;
    loc = loc.slice(a + 1, b);
  }
  const frame: StackFrame = { raw: line };
  if (fn) frame.function = fn;
  if (loc === 'native' || loc === '<anonymous>' || /^index \d+$/.test(loc) || loc === 'unknown location') {
    if (!fn) return undefined;
    return frame;
  }
  const l = splitLocation(loc);
  if (!l || l.file.includes(' ') && !/^[A-Za-z]:\\|^\//.test(l.file)) return undefined;
  frame.file = l.file;
  frame.line = l.line;
  if (l.column !== undefined) frame.column = l.column;
  return frame;
}

export function parseNode(lines: string[]): ParsedTrace | undefined {
  let main: Block | undefined;
  const causes: Block[] = [];
  let current: Block | undefined;
  let prev = '';
  for (const rawLine of lines) {
    // util.inspect opens the error's own properties with " {" after the last frame.
    const line = rawLine.endsWith(' {') ? rawLine.slice(0, -2) : rawLine;
    const trimmed = line.trim();
    const f = trimmed.startsWith('at ') ? parseV8Frame(line) : undefined;
    if (f) {
      if (!current) {
        // Frames after a finished trace belong to a second, unrelated error: keep the first one only.
        if (main) break;
        current = newBlock(parseHeader(prev) ?? (prev ? { message: prev.trim() } : {}));
        main = current;
      }
      current.frames.push(f);
      continue;
    }
    const cause = /^\[cause\]: ?(.*)$/.exec(trimmed);
    if (cause && main) {
      current = newBlock({ ...(parseHeader(cause[1] ?? '') ?? {}), relation: 'cause' });
      causes.push(current);
      continue;
    }
    const omitted = /^\.\.\. (\d{1,6}) lines? matching cause stack trace \.\.\.$/.exec(trimmed);
    if (omitted && current) {
      current.omitted = (current.omitted ?? 0) + Number(omitted[1]);
      continue;
    }
    if (trimmed === '' || trimmed === '{' || trimmed === '}' || /^\^+$/.test(trimmed)) continue;
    // Any other text ends the frames of the current error.
    if (current && current.frames.length > 0) current = undefined;
    prev = line;
  }
  if (!main) return undefined;
  const language = main.frames.some((f) => /^https?:\/\//.test(f.file ?? '')) ? 'browser' : 'node';
  return assemble(language, main, causes);
}

/**
 * Firefox and Safari: "fn@url:line:col", "@url:line:col", "global code@url:1:2", "forEach@[native code]".
 * Innermost first, like V8.
 */
export function parseGecko(lines: string[]): ParsedTrace | undefined {
  let main: Block | undefined;
  let prev = '';
  for (const line of lines) {
    const t = line.trim();
    const at = t.indexOf('@');
    const f = at >= 0 && (!/\s/.test(t.slice(at)) || t.endsWith('@[native code]')) ? geckoFrame(t, at, line) : undefined;
    if (f) {
      main ??= newBlock(parseHeader(prev) ?? {});
      main.frames.push(f);
      continue;
    }
    if (main && t !== '') break;
    if (t !== '') prev = t;
  }
  return main ? assemble('browser', main, []) : undefined;
}

function geckoFrame(t: string, at: number, raw: string): StackFrame | undefined {
  const fn = t.slice(0, at);
  const loc = t.slice(at + 1);
  if (fn.length > 500 || /[()]/.test(fn) && !fn.includes('/<')) return undefined;
  const frame: StackFrame = { raw };
  if (fn) frame.function = fn;
  if (loc === '[native code]') return fn ? frame : undefined;
  const l = splitLocation(loc);
  if (!l || !/^[a-z][\w+.-]*:|^\//i.test(l.file)) return undefined;
  frame.file = l.file;
  frame.line = l.line;
  if (l.column !== undefined) frame.column = l.column;
  return frame;
}
