import * as vm from 'node:vm';
import safeRegex from 'safe-regex2';
import { errorText } from '../util/errors';

/**
 * Validation for user-supplied regular expressions (deploy command patterns, severity rules, ...).
 * A user pattern runs on every terminal command, so a catastrophic one could freeze the extension host.
 *
 * Checks, in order: text of 1..maxLength chars; compiles; flags limited to i/m/s/u (g and y make
 * `test` stateful); and safe-regex2 accepts it. safe-regex2 is a heuristic: it rejects nested
 * quantifiers ("star height" > 1, e.g. `(a+)+$`) and more than 25 repetitions, but it does NOT catch
 * every super-linear pattern (overlapping alternations like `(a|a)*$` pass, and so do polynomial ones
 * like `a*a*a*a*b`). So matching (`safeTest`/`safeExec`) also caps the input length and runs under a
 * time limit: a pattern that exceeds it counts as no match and is not run again.
 */

export const USER_REGEX_MAX_LENGTH = 500;
export const MATCH_INPUT_MAX_LENGTH = 4096;

export type RegexValidation = { ok: true; regex: RegExp } | { ok: false; error: string };

export interface UserRegexOptions {
  /** Default "i". */
  flags?: string;
  maxLength?: number;
}

export function validateUserRegex(source: unknown, options: UserRegexOptions = {}): RegexValidation {
  const maxLength = options.maxLength ?? USER_REGEX_MAX_LENGTH;
  const flags = options.flags ?? 'i';
  if (typeof source !== 'string' || source.length === 0) return { ok: false, error: 'The pattern must be non-empty text.' };
  if (source.length > maxLength) return { ok: false, error: `The pattern is longer than ${maxLength} characters.` };
  if (!/^[imsu]*$/.test(flags)) return { ok: false, error: `Unsupported regex flags "${flags}" (use i, m, s, u).` };
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (e) {
    return { ok: false, error: `The pattern does not compile: ${errorText(e)}` };
  }
  if (!safeRegex(regex)) {
    return { ok: false, error: `The pattern "${source}" can backtrack catastrophically (nested or excessive repetition); simplify it.` };
  }
  return { ok: true, regex };
}

/** Longest a single match may run before it is tried again with the retry limit. */
export const MATCH_TIME_LIMIT_MS = 50;
/**
 * A match that ran out of time is tried once more with this limit: on a loaded machine a linear pattern can miss
 * 50 ms of wall time when the process is descheduled, and a deploy command must not go unnoticed because of that.
 */
export const MATCH_RETRY_LIMIT_MS = 200;
/** Calls in a row that ran out of time (each after its retry) before a pattern is given up on. */
export const RUNAWAY_STRIKES = 2;

const sandbox = vm.createContext(Object.create(null) as object);
const execScript = new vm.Script('r.exec(s)');
/**
 * Patterns that ran out of time RUNAWAY_STRIKES calls in a row: skipped from then on (no stall on every command).
 * One slow call is not enough: a catastrophic pattern times out every time, a descheduled process only once.
 */
const runaway = new WeakSet<RegExp>();
const strikes = new WeakMap<RegExp, number>();

/** True when the pattern hit the time limit and is no longer run. */
export function isRunawayRegex(regex: RegExp): boolean {
  return runaway.has(regex);
}

/** `regex.test` on at most `maxInput` characters of the input, within the time limit. */
export function safeTest(regex: RegExp, input: string, maxInput = MATCH_INPUT_MAX_LENGTH): boolean {
  return safeExec(regex, input, maxInput) !== null;
}

/** `regex.exec` on at most `maxInput` characters of the input, within the time limit (else null). */
export function safeExec(regex: RegExp, input: string, maxInput = MATCH_INPUT_MAX_LENGTH): RegExpExecArray | null {
  if (runaway.has(regex)) return null;
  const s = input.length > maxInput ? input.slice(0, maxInput) : input;
  const box = sandbox as { r?: RegExp; s?: string };
  box.r = regex;
  box.s = s;
  try {
    // The vm timeout interrupts the regex engine itself, which a plain call cannot be.
    for (const timeout of [MATCH_TIME_LIMIT_MS, MATCH_RETRY_LIMIT_MS]) {
      try {
        const m = execScript.runInContext(sandbox, { timeout }) as RegExpExecArray | null;
        strikes.delete(regex);
        return m;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
      }
    }
    const n = (strikes.get(regex) ?? 0) + 1;
    if (n >= RUNAWAY_STRIKES) {
      strikes.delete(regex);
      runaway.add(regex);
    } else strikes.set(regex, n);
    return null;
  } finally {
    box.r = undefined;
    box.s = undefined;
  }
}
