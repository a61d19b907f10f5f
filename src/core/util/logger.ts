/**
 * Leveled logger interface for core code. The host backs it with the single "On Call"
 * LogOutputChannel; the bridge with stderr. Never pass a token or secret URL to it.
 */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger that records every call; handy in tests to assert "logged once with its reason". */
export class MemoryLogger implements Logger {
  readonly lines: Array<{ level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string }> = [];
  trace(m: string): void { this.lines.push({ level: 'trace', message: m }); }
  debug(m: string): void { this.lines.push({ level: 'debug', message: m }); }
  info(m: string): void { this.lines.push({ level: 'info', message: m }); }
  warn(m: string): void { this.lines.push({ level: 'warn', message: m }); }
  error(m: string | Error): void { this.lines.push({ level: 'error', message: m instanceof Error ? m.message : m }); }
}

/** Prefixes every message with a component tag, e.g. `[socket] connected`. */
export function tagged(logger: Logger, tag: string): Logger {
  const p = `[${tag}] `;
  return {
    trace: (m, ...a) => logger.trace(p + m, ...a),
    debug: (m, ...a) => logger.debug(p + m, ...a),
    info: (m, ...a) => logger.info(p + m, ...a),
    warn: (m, ...a) => logger.warn(p + m, ...a),
    error: (m, ...a) => logger.error(m instanceof Error ? m : p + m, ...a),
  };
}
