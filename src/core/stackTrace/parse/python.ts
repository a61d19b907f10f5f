import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, parseHeader, type Block } from './model';

// '  File "/app/x.py", line 12, in handler' (the ", in fn" part is missing for some frames).
const FRAME_RE = /^\s*File "([^"]{1,2000})", line (\d{1,9})(?:, in (.{1,500}))?$/;
const REPEATED_RE = /^\s*\[Previous line repeated (\d{1,9}) more times?\]$/;
const CONTEXT = 'During handling of the above exception, another exception occurred:';
const CAUSE = 'The above exception was the direct cause of the following exception:';

/**
 * CPython tracebacks. Python prints outermost first and, for chains, the earliest exception first; the one
 * that propagated is the last block. Its predecessors become `causes`, nearest first.
 */
export function parsePython(lines: string[]): ParsedTrace | undefined {
  const blocks: Block[] = [];
  let current: Block | undefined;
  let expectHeader = false;
  for (const rawLine of lines) {
    // ExceptionGroup tracebacks indent everything behind "| ".
    const line = rawLine.replace(/^\s*\| ?/, '');
    const t = line.trim();
    if (t === 'Traceback (most recent call last):' || t.endsWith('Traceback (most recent call last):')) {
      current = newBlock({ outermostFirst: true });
      blocks.push(current);
      expectHeader = false;
      continue;
    }
    if (t === CONTEXT || t === CAUSE) {
      // The relation describes the block that was printed before, seen from the next one.
      const last = blocks[blocks.length - 1];
      if (last) last.relation = t === CAUSE ? 'cause' : 'context';
      current = undefined;
      continue;
    }
    if (!current) continue;
    const m = FRAME_RE.exec(line);
    if (m) {
      const frame: StackFrame = { raw: rawLine, file: m[1]!, line: Number(m[2]) };
      if (m[3]) frame.function = m[3];
      current.frames.push(frame);
      expectHeader = true;
      continue;
    }
    const rep = REPEATED_RE.exec(line);
    if (rep) {
      current.omitted = (current.omitted ?? 0) + Number(rep[1]);
      continue;
    }
    // The exception line is the first line back at column 0 after the frames (source lines are indented).
    if (expectHeader && t !== '' && !/^\s/.test(line)) {
      const h = parseHeader(line);
      if (h) {
        current.errorType = h.errorType;
        if (h.message !== undefined) current.message = h.message;
      } else {
        current.message = t;
      }
      expectHeader = false;
      current = undefined;
    }
  }
  const withFrames = blocks.filter((b) => b.frames.length > 0);
  const main = withFrames[withFrames.length - 1];
  if (!main) return undefined;
  return assemble('python', main, withFrames.slice(0, -1).reverse());
}
