import * as vscode from 'vscode';
import { Emitter, type Event } from '../core/util/event';
import { Disposable } from '../core/util/disposable';
import type { Logger } from '../core/util/logger';

export type GroupBy = 'service' | 'severity' | 'status';
export type NotificationLevel = 'all' | 'critical' | 'assigned' | 'none';

export interface OnCallConfig {
  serverUrl: string;
  allowInsecureConnections: boolean;
  identity: string;
  groupBy: GroupBy;
  pageSize: number;
  keepResolved: number;
  keepResolvedMinutes: number;
  notificationLevel: NotificationLevel;
  notificationsPerMinute: number;
  timeZone: string;
}

/**
 * Typed, validated settings. A value of the wrong type or out of range falls back to its default and is
 * logged once (settings.json is user input like any other).
 */
export class Config extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<{ affects: (key: string) => boolean }>());
  readonly onDidChange: Event<{ affects: (key: string) => boolean }> = this._onDidChange.event;
  private _value: OnCallConfig;
  private readonly _reported = new Set<string>();

  constructor(private readonly _logger: Logger) {
    super();
    this._value = this._read();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('oncall')) return;
        this._value = this._read();
        this._onDidChange.fire({ affects: (key) => e.affectsConfiguration(`oncall.${key}`) });
      }),
    );
  }

  get value(): OnCallConfig {
    return this._value;
  }

  private _read(): OnCallConfig {
    const c = vscode.workspace.getConfiguration('oncall');
    const str = (key: string, def: string): string => this._check(key, c.get<unknown>(key), def, (v): v is string => typeof v === 'string');
    const bool = (key: string, def: boolean): boolean => this._check(key, c.get<unknown>(key), def, (v): v is boolean => typeof v === 'boolean');
    const num = (key: string, def: number, min: number, max: number): number =>
      this._check(key, c.get<unknown>(key), def, (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max);
    const oneOf = <T extends string>(key: string, def: T, allowed: readonly T[]): T =>
      this._check(key, c.get<unknown>(key), def, (v): v is T => typeof v === 'string' && (allowed as readonly string[]).includes(v));
    return {
      serverUrl: str('serverUrl', '').trim(),
      allowInsecureConnections: bool('allowInsecureConnections', false),
      identity: str('identity', '').trim(),
      groupBy: oneOf<GroupBy>('alerts.groupBy', 'service', ['service', 'severity', 'status']),
      pageSize: Math.floor(num('alerts.pageSize', 200, 20, 5000)),
      keepResolved: Math.floor(num('alerts.keepResolved', 200, 0, 100000)),
      keepResolvedMinutes: num('alerts.keepResolvedMinutes', 240, 0, 10080),
      notificationLevel: oneOf<NotificationLevel>('notifications.level', 'all', ['all', 'critical', 'assigned', 'none']),
      notificationsPerMinute: Math.floor(num('notifications.maxPerMinute', 5, 1, 100)),
      timeZone: str('timeZone', '').trim(),
    };
  }

  private _check<T>(key: string, v: unknown, def: T, ok: (v: unknown) => v is T): T {
    if (v === undefined || v === null) return def;
    if (ok(v)) return v;
    const msg = `setting oncall.${key} has an invalid value (${JSON.stringify(v)?.slice(0, 80)}); using ${JSON.stringify(def)}`;
    if (!this._reported.has(msg)) {
      this._reported.add(msg);
      this._logger.warn(msg);
    }
    return def;
  }

  async update(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
    await vscode.workspace.getConfiguration('oncall').update(key, value, target);
  }
}
