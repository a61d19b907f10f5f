import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, type Block } from './model';
import { splitLocation } from './util';

// "#3 /app/src/Cart.php(16): Acme\Shop\Cart->check()", "#1 [internal function]: {closure}()", "#2 {main}".
const FRAME_RE = /^#(\d{1,6}) (?:(\[internal function\])|([^()]{1,2000})\((\d{1,9})\)): (.{1,2000})$/;
const MAIN_RE = /^#(\d{1,6}) \{main\}$/;
// "PHP Fatal error:  Uncaught RuntimeException: msg in /app/x.php:5", "Next LogicException: ...", or the
// string form of an exception: "RuntimeException: msg in /app/x.php:5".
const HEAD_RE = /^(?:PHP )?(?:[A-Z][a-z]+(?: [a-z]+)? error: +)?(?:Uncaught |Next )?([A-Za-z_\\][\w\\]{0,200}): /;

interface RawPhpFrame {
  file?: string;
  line?: number;
  call: string;
  raw: string;
}

/**
 * PHP prints where each function was *called from*: "#0 file(11): connect()" means connect() was called at
 * file:11, and the throw site is the header's "in file:line". Frames are re-paired so each one carries the
 * function it is in (Sentry does the same). "Next" blocks are the outer exceptions; the last one propagated.
 */
export function parsePhp(lines: string[]): ParsedTrace | undefined {
  const blocks: Array<Block & { at?: { file: string; line?: number }; raw: RawPhpFrame[] }> = [];
  let current: (typeof blocks)[number] | undefined;
  let prev = '';
  for (const line of lines) {
    const t = line.trim();
    if (t !== '' && !t.startsWith('#') && t !== 'Stack trace:' && t !== '[stacktrace]') prev = t;
    const h = HEAD_RE.exec(t);
    if (h && /\.[A-Za-z0-9]{1,8}:\d{1,9}$/.test(t)) {
      const inAt = t.lastIndexOf(' in ');
      const loc = inAt > 0 ? splitLocation(t.slice(inAt + 4)) : undefined;
      current = { ...newBlock({ errorType: h[1]! }), raw: [] };
      current.message = t.slice(h[0].length, inAt > 0 ? inAt : undefined);
      if (loc) current.at = { file: loc.file, ...(loc.line !== undefined ? { line: loc.line } : {}) };
      blocks.push(current);
      continue;
    }
    const m = FRAME_RE.exec(t);
    if (m) {
      if (!current) {
        // A logged trace without PHP's own header (Monolog, Laravel): take the throw site from the line before.
        current = { ...newBlock(), raw: [] };
        const at = throwSite(prev);
        if (at) current.at = at;
        blocks.push(current);
      }
      current.raw.push(m[2] ? { call: m[5]!, raw: line } : { file: m[3]!, line: Number(m[4]), call: m[5]!, raw: line });
      continue;
    }
    if (MAIN_RE.test(t) && current) {
      current.raw.push({ call: '{main}', raw: line });
      current = undefined;
    }
  }
  const done: Block[] = [];
  for (const b of blocks) {
    const frames: StackFrame[] = [];
    let loc: { file?: string; line?: number } | undefined = b.at;
    for (const r of b.raw) {
      const f: StackFrame = { raw: r.raw, ...callName(r.call) };
      if (loc?.file !== undefined) {
        f.file = loc.file;
        if (loc.line !== undefined) f.line = loc.line;
      }
      frames.push(f);
      loc = r.file !== undefined ? { file: r.file, line: r.line! } : undefined;
    }
    const { at: _a, raw: _r, ...block } = b;
    block.frames = frames;
    if (frames.length > 0) done.push(block);
  }
  const main = done[done.length - 1];
  if (!main) return undefined;
  return assemble('php', main, done.slice(0, -1).reverse().map((b) => ({ ...b, relation: 'previous' as const })));
}

/** "... RangeException: msg in /app/x.php:6" or Laravel's "... at /app/x.php:6)". */
function throwSite(line: string): { file: string; line?: number } | undefined {
  const i = Math.max(line.lastIndexOf(' in '), line.lastIndexOf(' at '));
  if (i < 0) return undefined;
  const l = splitLocation(line.slice(i + 4).replace(/\)$/, ''));
  if (!l || /\s/.test(l.file) || l.line === undefined) return undefined;
  return { file: l.file, line: l.line };
}

function callName(call: string): Pick<StackFrame, 'function' | 'className'> {
  const open = call.indexOf('(');
  const fn = open > 0 ? call.slice(0, open) : call;
  const sep = fn.includes('->') ? fn.indexOf('->') : fn.indexOf('::');
  return sep > 0 ? { function: fn, className: fn.slice(0, sep) } : { function: fn };
}
