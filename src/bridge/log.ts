import { inspect } from 'node:util';
import type { Logger } from '../core/util/logger';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

/**
 * One line per message on a stream (stderr: stdout is reserved for the machine-readable "listening"
 * line). Control characters are escaped so a client-supplied reason cannot forge extra log lines.
 */
export class StreamLogger implements Logger {
  constructor(
    private readonly _level: LogLevel,
    private readonly _write: (line: string) => void = (l) => process.stderr.write(l),
    private readonly _now: () => Date = () => new Date(),
  ) {}

  trace(m: string, ...a: unknown[]): void { this._log('trace', m, a); }
  debug(m: string, ...a: unknown[]): void { this._log('debug', m, a); }
  info(m: string, ...a: unknown[]): void { this._log('info', m, a); }
  warn(m: string, ...a: unknown[]): void { this._log('warn', m, a); }
  error(m: string | Error, ...a: unknown[]): void {
    this._log('error', m instanceof Error ? (m.stack ?? m.message) : m, a);
  }

  private _log(level: Exclude<LogLevel, 'off'>, message: string, args: unknown[]): void {
    if (RANK[level] < RANK[this._level]) return;
    const extra = args.map((x) => (typeof x === 'string' ? x : inspect(x, { depth: 3, breakLength: Infinity }))).join(' ');
    const text = escapeControl(extra ? `${message} ${extra}` : message);
    this._write(`${this._now().toISOString()} ${level.toUpperCase().padEnd(5)} ${text}\n`);
  }
}

/** Escapes C0/C1 controls (newlines included) as \xNN / \n. */
export function escapeControl(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
