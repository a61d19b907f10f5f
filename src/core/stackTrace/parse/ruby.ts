import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, type Block } from './model';
import { splitLocation } from './util';

interface RubyLine {
  frame: StackFrame;
  /** Rest of a header line: "message (ErrorType)". */
  rest?: string;
  /** "from" lines are frames; the first line of an exception has no "from". */
  from: boolean;
  /** Ruby 2.5–2.7 "Traceback" mode numbers its frames, outermost first. */
  index?: number;
}

/**
 * "path:line:in `method'" or (Ruby 3.4) "path:line:in 'Class#method'", as the first line of an uncaught
 * exception (followed by ": message (Type)"), as "\tfrom path:line:in ..." lines, or bare (Exception#backtrace).
 */
function parseRubyLine(line: string): RubyLine | undefined {
  let t = line.trim();
  let from = false;
  let index: number | undefined;
  const num = /^(\d{1,6}): from /.exec(t);
  if (num) {
    index = Number(num[1]);
    t = t.slice(num[0].length);
    from = true;
  } else if (t.startsWith('from ')) {
    t = t.slice(5);
    from = true;
  }
  let inAt = t.indexOf(':in `');
  if (inAt < 0) inAt = t.indexOf(":in '");
  if (inAt <= 0) return undefined;
  const l = splitLocation(t.slice(0, inAt));
  if (!l || l.column !== undefined || /\s/.test(l.file) && !/^[A-Za-z]:[\\/]/.test(l.file)) return undefined;
  const after = t.slice(inAt + 5);
  const close = after.indexOf("'");
  if (close < 0) return undefined;
  const frame: StackFrame = { raw: line, file: l.file, line: l.line!, function: after.slice(0, close) };
  const rest = after.slice(close + 1);
  const r: RubyLine = { frame, from };
  if (index !== undefined) r.index = index;
  if (rest.startsWith(': ')) r.rest = rest.slice(2);
  else if (rest.trim() !== '') return undefined;
  return r;
}

function splitMessage(rest: string): Partial<Block> {
  // "boom (RuntimeError)"; the message may itself contain parentheses, the type is the last group.
  const m = /^(.*) \(([A-Z][\w:]{0,200})\)$/.exec(rest);
  return m ? { message: m[1]!, errorType: m[2]! } : { message: rest };
}

export function parseRuby(lines: string[]): ParsedTrace | undefined {
  const blocks: Block[] = [];
  let current: Block | undefined;
  let tracebackMode = false;
  for (const line of lines) {
    const t = line.trim();
    if (t === 'Traceback (most recent call last):') {
      tracebackMode = true;
      current = newBlock({ outermostFirst: true });
      blocks.push(current);
      continue;
    }
    const lv = /^\.\.\. (\d{1,9}) levels\.\.\.$/.exec(t);
    if (lv && current) {
      current.omitted = (current.omitted ?? 0) + Number(lv[1]);
      continue;
    }
    const r = parseRubyLine(line);
    if (!r) continue;
    if (tracebackMode && current) {
      // Old reverse mode: numbered "from" lines, then the raising frame with the message last.
      current.frames.push(r.frame);
      if (r.rest !== undefined) {
        Object.assign(current, splitMessage(r.rest));
        tracebackMode = false;
        current = undefined;
      }
      continue;
    }
    if (r.rest !== undefined && !r.from) {
      // A header line starts an exception; the first is the one that propagated, later ones are its causes.
      current = newBlock(splitMessage(r.rest));
      if (blocks.length > 0) current.relation = 'cause';
      blocks.push(current);
    } else if (!current) {
      // A bare backtrace (Exception#backtrace in a log line) has no header.
      current = newBlock();
      blocks.push(current);
    }
    current.frames.push(r.frame);
  }
  const kept = blocks.filter((b) => b.frames.length > 0);
  const main = kept[0];
  if (!main) return undefined;
  return assemble('ruby', main, kept.slice(1));
}
