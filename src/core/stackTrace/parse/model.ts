import { LIMITS } from '../limits';
import type { ParsedTrace, StackFrame } from '../types';

export type Relation = NonNullable<ParsedTrace['relation']>;

/** One exception as a parser collects it, frames in the runtime's printed order. */
export interface Block {
  errorType?: string;
  message?: string;
  frames: StackFrame[];
  relation?: Relation;
  omitted?: number;
  /** True when the runtime prints outermost first (Python, Ruby's old "Traceback" mode). */
  outermostFirst?: boolean;
}

export function newBlock(init: Partial<Block> = {}): Block {
  return { frames: [], ...init };
}

/** Converts a block to the public shape: innermost first, capped. */
export function toTrace(language: string, b: Block): ParsedTrace {
  let frames = b.outermostFirst ? [...b.frames].reverse() : b.frames;
  let truncated = false;
  if (frames.length > LIMITS.maxFrames) {
    frames = frames.slice(0, LIMITS.maxFrames);
    truncated = true;
  }
  const t: ParsedTrace = { language, frames };
  if (b.errorType !== undefined) t.errorType = b.errorType;
  if (b.message !== undefined && b.message !== '') t.message = b.message;
  if (b.relation) t.relation = b.relation;
  if (b.omitted) t.omittedFrames = b.omitted;
  if (truncated) t.truncated = true;
  return t;
}

/** The propagated exception plus its chain (nearest cause first). */
export function assemble(language: string, main: Block, others: Block[]): ParsedTrace {
  const t = toTrace(language, main);
  const kept = others.filter((o) => o.frames.length > 0 || o.errorType !== undefined);
  if (kept.length > 0) {
    t.causes = kept.slice(0, LIMITS.maxCauses).map((o) => toTrace(language, o));
    if (kept.length > LIMITS.maxCauses) t.truncated = true;
  }
  return t;
}

/** Total frames over a trace and its causes: the score language detection compares. */
export function frameCount(t: ParsedTrace | undefined): number {
  if (!t) return 0;
  let n = 0;
  for (const f of t.frames) n += f.file !== undefined ? 2 : 1;
  for (const c of t.causes ?? []) n += frameCount(c);
  return n;
}

// "TypeError: msg", "java.lang.IllegalStateException: msg", "KeyError: 'port'", "RuntimeError" alone.
const HEADER_RE = /^(?:Uncaught )?([A-Za-z_$][\w$.]{0,150})(?:: ?([^]*))?$/;

/** Parses an "ErrorType: message" header; `undefined` when the line does not look like one. */
export function parseHeader(line: string): { errorType: string; message?: string } | undefined {
  const m = HEADER_RE.exec(line.trim());
  if (!m?.[1]) return undefined;
  // A bare word is only a type when it looks like one (Error, KeyError, java.lang.Foo), not any word.
  if (m[2] === undefined && !/(?:Error|Exception|Throwable|Interrupt|Exit|Warning|Failure)$|\./.test(m[1])) return undefined;
  return m[2] === undefined ? { errorType: m[1] } : { errorType: m[1], message: m[2].trim() };
}
