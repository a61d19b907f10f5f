import * as vscode from 'vscode';
import type { Logger } from '../core/util/logger';

/** The single "On Call" LogOutputChannel, adapted to core's Logger interface. */
export class HostLogger implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(name = 'On Call') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  trace(message: string, ...args: unknown[]): void {
    this.channel.trace(message, ...args.map(format));
  }
  debug(message: string, ...args: unknown[]): void {
    this.channel.debug(message, ...args.map(format));
  }
  info(message: string, ...args: unknown[]): void {
    this.channel.info(message, ...args.map(format));
  }
  warn(message: string, ...args: unknown[]): void {
    this.channel.warn(message, ...args.map(format));
  }
  error(message: string | Error, ...args: unknown[]): void {
    this.channel.error(typeof message === 'string' ? message : (message.stack ?? `${message.name}: ${message.message}`), ...args.map(format));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}

function format(a: unknown): unknown {
  if (a instanceof Error) return a.stack ?? `${a.name}: ${a.message}`;
  return a;
}
