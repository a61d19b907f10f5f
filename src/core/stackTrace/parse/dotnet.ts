import type { ParsedTrace, StackFrame } from '../types';
import { assemble, newBlock, type Block } from './model';
import { splitLocation } from './util';

// "System.InvalidOperationException: msg" (with optional "Unhandled exception. " / "---> " in front).
const HEADER_RE = /^(?:Unhandled [Ee]xception[.:] ?)?(?:---> )?([A-Za-z_][\w`]*(?:\.[A-Za-z_][\w`]*)+): ?(.*)$/;
const END_INNER = '--- End of inner exception stack trace ---';

/**
 * .NET (Core/5+: "at A.B.C(String s) in /src/File.cs:line 42") and Mono ("at A.B.C (System.String s)
 * [0x00035] in /src/File.cs:29"). Inner exceptions are printed first and end with
 * "--- End of inner exception stack trace ---"; the outer exception's frames follow.
 */
export function parseDotnetFrame(line: string): StackFrame | undefined {
  let t = line.trim();
  if (!t.startsWith('at ')) return undefined;
  t = t.slice(3);
  let loc: string | undefined;
  const inAt = t.lastIndexOf(' in ');
  if (inAt > 0) {
    loc = t.slice(inAt + 4);
    t = t.slice(0, inAt);
  }
  t = t.replace(/ \[0x[0-9a-f]{1,16}\]$/, '').replace(/ <0x[0-9a-f]{1,16}(?: \+ 0x[0-9a-f]{1,16})?>$/, '');
  const open = t.indexOf('(');
  if (t.startsWith('(wrapper ')) {
    return { raw: line, function: t, inApp: false };
  }
  if (open <= 0 || !t.endsWith(')')) return undefined;
  const qualified = t.slice(0, open).trim();
  const args = t.slice(open + 1, -1);
  // Keep JVM and V8 frames out: their parentheses hold "File.java:12" or "file.js:1:2", not parameters.
  if (!/^[\w.`<>|+$[\],-]+$/.test(qualified) || /:\d+\)?$/.test(args) || /\.(?:java|kt|scala)$|^Native Method$|^Unknown Source$|^<anonymous>$|^native$/.test(args)) {
    return undefined;
  }
  const frame: StackFrame = { raw: line };
  const genericStart = qualified.indexOf('[');
  const plain = genericStart > 0 ? qualified.slice(0, genericStart) : qualified;
  const dot = plain.lastIndexOf('.', plain.endsWith('.ctor') || plain.endsWith('.cctor') ? plain.lastIndexOf('.') - 1 : plain.length);
  if (dot > 0) {
    frame.className = plain.slice(0, dot);
    frame.function = qualified.slice(dot + 1);
    const ns = frame.className.lastIndexOf('.');
    if (ns > 0) frame.module = frame.className.slice(0, ns);
  } else {
    frame.function = qualified;
  }
  if (loc !== undefined) {
    const core = /^(.{1,2000}):line (\d{1,9})$/.exec(loc);
    if (core) {
      frame.file = core[1]!;
      frame.line = Number(core[2]);
    } else {
      const l = splitLocation(loc.trim());
      // Mono prints "<filename unknown>:0" or "<mvid>:0" when it has no symbols.
      if (l && !l.file.startsWith('<')) {
        frame.file = l.file;
        frame.line = l.line;
      }
    }
  }
  return frame;
}

export function parseDotnet(lines: string[]): ParsedTrace | undefined {
  // Headers in order outermost → innermost; frame groups arrive innermost first.
  let headers: Array<{ errorType: string; message: string }> = [];
  const groups: StackFrame[][] = [];
  let group: StackFrame[] | undefined;
  let afterEnd = false;
  for (const line of lines) {
    const t = line.trim();
    const f = t.startsWith('at ') ? parseDotnetFrame(line) : undefined;
    if (f) {
      if (!group) {
        // Frames after a finished trace (not after an inner-exception marker) belong to another error.
        if (groups.length > 0 && !afterEnd) break;
        group = [];
        groups.push(group);
        afterEnd = false;
      }
      group.push(f);
      continue;
    }
    if (t === END_INNER) {
      group = undefined;
      afterEnd = true;
      continue;
    }
    // An async boundary inside the same exception.
    if (t.startsWith('--- End of stack trace from previous location')) continue;
    if (groups.length > 0) {
      if (t === '' || afterEnd) continue;
      // Any other text ends the trace; this also skips Mono's repeated "[ERROR] FATAL UNHANDLED EXCEPTION" copy.
      break;
    }
    const parts = t.replace(/^Unhandled [Ee]xception[.:] ?/, '').split(' ---> ');
    const hs = parts.map((p) => HEADER_RE.exec(p.trim())).filter((m): m is RegExpExecArray => m !== null);
    if (hs.length > 0) {
      const parsed = hs.map((m) => ({ errorType: m[1]!, message: m[2] ?? '' }));
      // "---> Inner: msg" on its own line continues the chain; any other header starts a new one.
      headers = t.startsWith('---> ') ? [...headers, ...parsed] : parsed;
    } else if (headers.length > 0 && t !== '') {
      const last = headers[headers.length - 1]!;
      last.message = last.message ? `${last.message}\n${t}` : t;
    }
  }
  if (groups.length === 0) return undefined;
  // groups[0] belongs to the innermost exception, the last group to the outermost (propagated) one.
  const blocks: Block[] = groups.map((frames, i) => {
    const h = headers[groups.length - 1 - i];
    return newBlock({ frames, ...(h ? { errorType: h.errorType, message: h.message } : {}) });
  });
  const main = blocks[blocks.length - 1]!;
  const inner = blocks.slice(0, -1).reverse().map((b) => ({ ...b, relation: 'inner' as const }));
  return assemble('dotnet', main, inner);
}
