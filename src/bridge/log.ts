import { inspect } from 'node:util';
import type { Logger } from '../core/util/logger';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

/**
 * One line per message on a stream (stderr: stdout is reserved for the machine-readable "listening"
 * line). Control characters are escaped so a client-supplied reason cannot forge extra log lines.
 * Format "json": one JSON object per line — `time` (ISO 8601), `level`, `msg`, `component` (the "[tag] " prefix of
 * tagged loggers, taken out of msg) and `args` (extra arguments, inspected) — JSON.stringify escapes every
 * control character, so a line is always one record. Nothing here adds secrets: callers never log tokens.
 */
export class StreamLogger implements Logger {
  constructor(
    private readonly _level: LogLevel,
    private readonly _write: (line: string) => void = (l) => process.stderr.write(l),
    private readonly _now: () => Date = () => new Date(),
    private readonly _format: LogFormat = 'text',
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
    if (this._format === 'json') {
      // Tags nest ("[bridge] [source:pagerduty] …"): every leading one goes into component, joined by "/".
      const tags: string[] = [];
      let msg = message;
      for (let m = /^\[([^\]\s]{1,64})\] /.exec(msg); m; m = /^\[([^\]\s]{1,64})\] /.exec(msg)) {
        tags.push(m[1]!);
        msg = msg.slice(m[0].length);
      }
      const rec: Record<string, string> = { time: this._now().toISOString(), level, msg };
      if (tags.length) rec.component = tags.join('/');
      if (extra) rec.args = extra;
      this._write(`${JSON.stringify(rec).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`);
      return;
    }
    const text = escapeControl(extra ? `${message} ${extra}` : message);
    this._write(`${this._now().toISOString()} ${level.toUpperCase().padEnd(5)} ${text}\n`);
  }
}

/** Escapes C0/C1 controls (newlines included) as \xNN / \n. */
export function escapeControl(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
