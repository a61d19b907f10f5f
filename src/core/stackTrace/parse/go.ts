import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, type Block } from './model';

// "\t/app/main.go:62 +0x32e" (the offset is missing for inlined frames).
const FILE_LINE_RE = /^\t(.{1,2000}?):(\d{1,9})(?: \+0x[0-9a-f]{1,16})?(?: fp=0x[0-9a-f]{1,16} sp=0x[0-9a-f]{1,16}(?: pc=0x[0-9a-f]{1,16})?)?$/;
const GOROUTINE_RE = /^goroutine \d{1,12} \[[^\]]{0,200}\]:$/;

/**
 * Go panics and runtime.Stack / debug.Stack output. Only the first goroutine block is the failing one
 * (with GOTRACEBACK=all the others follow it). Each frame is a function line followed by a tab-indented
 * "file:line +0xoffset" line; "created by" frames are kept as the outermost frame.
 */
export function parseGo(lines: string[]): ParsedTrace | undefined {
  let block: Block | undefined;
  let header: Partial<Block> = {};
  let inGoroutine = false;
  let pendingFn: { name: string; raw: string } | undefined;
  for (const line of lines) {
    if (!block) {
      const p = /^(panic|fatal error): (.*)$/.exec(line);
      if (p) {
        header = { errorType: p[1] === 'panic' ? 'panic' : 'fatal error', message: (p[2] ?? '').replace(/ \[recovered\]$/, '') };
        continue;
      }
      // A re-panic prints the final value on an indented "panic:" line.
      const re = /^\tpanic: (.*)$/.exec(line);
      if (re) {
        header = { ...header, message: re[1] };
        continue;
      }
    }
    if (GOROUTINE_RE.test(line)) {
      if (block) break;
      block = newBlock(header);
      inGoroutine = true;
      continue;
    }
    if (!inGoroutine || !block) continue;
    if (line.trim() === '') {
      if (block.frames.length > 0) break;
      continue;
    }
    if (line.startsWith('\t')) {
      const m = FILE_LINE_RE.exec(line);
      if (m && pendingFn) {
        block.frames.push(goFrame(pendingFn.name, pendingFn.raw, m[1]!, Number(m[2])));
      }
      pendingFn = undefined;
      continue;
    }
    pendingFn = functionLine(line);
  }
  return block && block.frames.length > 0 ? assemble('go', block, []) : undefined;
}

/** "pkg/path.(*Type).Method(0x1, ...)" or "created by pkg.fn in goroutine 1" → the symbol. */
function functionLine(line: string): { name: string; raw: string } | undefined {
  const created = /^created by (\S{1,1000})(?: in goroutine \d{1,12})?$/.exec(line);
  if (created) return { name: created[1]!, raw: line };
  if (!line.endsWith(')')) return undefined;
  const open = line.lastIndexOf('(');
  if (open <= 0) return undefined;
  const name = line.slice(0, open);
  return /\s/.test(name) ? undefined : { name, raw: line };
}

function goFrame(symbol: string, fnRaw: string, file: string, line: number): StackFrame {
  const frame: StackFrame = { raw: `${fnRaw}\n\t${file}:${line}`, file, line };
  // The package is everything up to the first dot after the last slash: "github.com/acme/gw/internal/x.(*T).M".
  const slash = symbol.lastIndexOf('/', symbol.indexOf('(') >= 0 ? symbol.indexOf('(') : symbol.length);
  const dot = symbol.indexOf('.', slash + 1);
  if (dot > 0) {
    frame.module = symbol.slice(0, dot);
    frame.function = symbol.slice(dot + 1);
  } else {
    frame.function = symbol;
  }
  return frame;
}
