import { isInApp } from '../inApp';
import type { ParsedTrace } from '../types';
import { parseDotnet } from './dotnet';
import { parseGo } from './go';
import { parseJava } from './java';
import { frameCount } from './model';
import { parseGecko, parseNode } from './node';
import { parsePhp } from './php';
import { toLines } from './preprocess';
import { parsePython } from './python';
import { parseRuby } from './ruby';
import { parseRust } from './rust';

type Parser = (lines: string[]) => ParsedTrace | undefined;

const SHIPPER_PASSES = [false, true] as const;

/** In order of preference when two parsers score the same. */
const PARSERS: ReadonlyArray<readonly [string, Parser]> = [
  ['node', parseNode],
  ['java', parseJava],
  ['python', parsePython],
  ['go', parseGo],
  ['dotnet', parseDotnet],
  ['ruby', parseRuby],
  ['php', parsePhp],
  ['rust', parseRust],
  ['browser', parseGecko],
];

/**
 * Parses a stack trace from any supported runtime. Never throws: unknown or hostile text gives zero frames.
 * Every parser runs over the (capped) lines; the one that recognises the most frames wins (frames with a
 * file count double), ties go to the earlier parser in PARSERS.
 */
export function parseStackTrace(text: string): ParsedTrace {
  try {
    return parseUnsafe(typeof text === 'string' ? text : '');
  } catch {
    // A parser bug must not take down the alert view; the caller shows the raw text instead.
    return { language: 'unknown', frames: [] };
  }
}

function parseUnsafe(text: string): ParsedTrace {
  // As is, and with log-shipper prefixes stripped (journald, syslog, compose, Heroku, kubectl --prefix):
  // the reading that recognises more frames wins, so a trace whose own lines share a start is never hurt.
  let best: ParsedTrace | undefined;
  let bestScore = 0;
  let truncated = false;
  for (const shipperPrefixes of SHIPPER_PASSES) {
    const read = toLines(text, { shipperPrefixes });
    truncated ||= read.truncated;
    for (const [, parse] of PARSERS) {
      const t = parse(read.lines);
      const score = frameCount(t);
      if (t && score > bestScore) {
        best = t;
        bestScore = score;
      }
    }
  }
  if (!best) return truncated ? { language: 'unknown', frames: [], truncated } : { language: 'unknown', frames: [] };
  markInApp(best);
  if (truncated) best.truncated = true;
  return best;
}

function markInApp(t: ParsedTrace): void {
  for (const f of t.frames) f.inApp ??= isInApp(t.language, f);
  for (const c of t.causes ?? []) markInApp(c);
}
