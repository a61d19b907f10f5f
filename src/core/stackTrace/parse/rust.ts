import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, type Block } from './model';
import { splitLocation } from './util';

// "   2: orders::handlers::checkout" or (=full) "   2:     0x55b5... - orders::handlers::checkout".
const FRAME_RE = /^\s{0,12}(\d{1,6}):\s{1,40}(?:0x[0-9a-f]{1,16} - )?(\S.{0,1999})$/;
const AT_RE = /^\s{2,40}at (\S.{0,1999})$/;
// Rust ≥1.73: "thread 'main' (123) panicked at src/main.rs:5:5:" then the message on the next line.
const PANIC_NEW_RE = /^thread '([^']{0,200})'(?: \(\d{1,12}\))? panicked at (.{1,2000}):$/;
// Older: "thread 'main' panicked at 'msg', src/main.rs:5:5".
const PANIC_OLD_RE = /^thread '([^']{0,200})'(?: \(\d{1,12}\))? panicked at '(.{0,2000})', (\S{1,2000})$/;

/** Rust panics with RUST_BACKTRACE=1 or =full, and std::backtrace::Backtrace output. Innermost first. */
export function parseRust(lines: string[]): ParsedTrace | undefined {
  let block: Block | undefined;
  let header: Partial<Block> = {};
  let expectMessage = false;
  let last: StackFrame | undefined;
  for (const line of lines) {
    if (!block) {
      const p = PANIC_NEW_RE.exec(line);
      if (p) {
        header = { errorType: 'panic' };
        expectMessage = true;
        continue;
      }
      const o = PANIC_OLD_RE.exec(line);
      if (o) {
        header = { errorType: 'panic', message: o[2]! };
        continue;
      }
      if (expectMessage) {
        if (line !== 'stack backtrace:' && !line.startsWith('note:')) {
          header.message = header.message === undefined ? line : `${header.message}\n${line}`;
          continue;
        }
        expectMessage = false;
      }
    }
    const at = AT_RE.exec(line);
    if (at && last) {
      const l = splitLocation(at[1]!);
      if (l) {
        last.file = l.file;
        last.line = l.line;
        if (l.column !== undefined) last.column = l.column;
        last.raw += `\n${line}`;
      }
      last = undefined;
      continue;
    }
    const m = FRAME_RE.exec(line);
    if (m) {
      // Frame numbers restart at 0 for each backtrace: a second 0 means a second, unrelated backtrace.
      if (block && m[1] === '0' && block.frames.length > 0) break;
      block ??= newBlock(header);
      const symbol = m[2]!.replace(/\[[0-9a-f]{16}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
      last = { raw: line, function: symbol };
      const mod = moduleOf(symbol);
      if (mod) last.module = mod;
      block.frames.push(last);
      continue;
    }
    last = undefined;
    if (block && line.trim() !== '' && !line.startsWith('note:')) break;
  }
  // Numbered lines alone are too common in ordinary text; require a panic header or a source location.
  if (!block || !(header.errorType !== undefined || block.frames.some((f) => f.file !== undefined))) return undefined;
  return assemble('rust', block, []);
}

/** "orders::handlers::checkout" → "orders::handlers"; generic/impl symbols ("<T as X>::f") have no simple module. */
function moduleOf(symbol: string): string | undefined {
  if (symbol.startsWith('<')) return undefined;
  const generic = symbol.indexOf('<');
  const plain = generic > 0 ? symbol.slice(0, generic) : symbol;
  const sep = plain.lastIndexOf('::');
  return sep > 0 ? plain.slice(0, sep).replace(/::$/, '') : undefined;
}
