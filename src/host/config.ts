import * as vscode from 'vscode';
import { readSettings, SETTINGS, SETTINGS_SECTION, type OnCallSettings, type SettingsSource } from '../core/config/settings';
import { Emitter, type Event } from '../core/util/event';
import { Disposable } from '../core/util/disposable';
import type { Logger } from '../core/util/logger';

export type { GroupBy, NotificationLevel } from '../core/config/settings';
/** The typed, validated settings (the table is `core/config/settings.ts`). */
export type OnCallConfig = OnCallSettings;

export interface ConfigChange {
  /** Whether the change touches `oncall.<key>` (or a key under it, e.g. `notifications`). */
  affects: (key: string) => boolean;
}

const FIRST_FOLDER_KEYS = new Set(SETTINGS.filter((s) => 'firstFolder' in s && s.firstFolder).map((s) => s.key));
const TRUST_AWARE_KEYS = SETTINGS.filter((s) => 'trustAware' in s && s.trustAware).map((s) => s.key);

/**
 * The only reader of `oncall.*` settings: typed, validated values from the table in `core/config/settings.ts`.
 * A value of the wrong type or out of range falls back to its default and is logged once while it stays wrong
 * (settings.json is user input like any other). Values are read lazily after each change, so a listener of any
 * VS Code event (a workspace folder change, say) reads fresh values whatever order listeners run in.
 */
export class Config extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<ConfigChange>());
  /** Fires after a change of any `oncall.*` setting, and for trust-dependent settings when the workspace is trusted. */
  readonly onDidChange: Event<ConfigChange> = this._onDidChange.event;
  private _value: OnCallSettings | undefined;
  /** Problems of the last read: a problem is logged when it appears, not again while it stays. */
  private _reported = new Set<string>();

  constructor(private readonly _logger: Logger) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SETTINGS_SECTION)) return;
        this._value = undefined;
        this._onDidChange.fire({ affects: (key) => e.affectsConfiguration(`${SETTINGS_SECTION}.${key}`) });
      }),
    );
    // Settings read for the first folder follow it; the features that care refresh on the folder change themselves.
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => (this._value = undefined)));
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this._value = undefined;
        this._onDidChange.fire({ affects: (key) => TRUST_AWARE_KEYS.some((k) => k === key || k.startsWith(`${key}.`)) });
      }),
    );
  }

  get value(): OnCallSettings {
    return (this._value ??= this._read());
  }

  private _read(): OnCallSettings {
    const all = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    let atFolder: vscode.WorkspaceConfiguration | undefined;
    const forKey = (key: string): vscode.WorkspaceConfiguration =>
      FIRST_FOLDER_KEYS.has(key) ? (atFolder ??= vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.workspace.workspaceFolders?.[0]?.uri)) : all;
    const src: SettingsSource = {
      get: (key) => forKey(key).get<unknown>(key),
      inspect: (key) => forKey(key).inspect<unknown>(key),
      trusted: vscode.workspace.isTrusted,
    };
    const problems = new Set<string>();
    const value = readSettings(src, (m) => problems.add(m));
    for (const m of problems) if (!this._reported.has(m)) this._logger.warn(m);
    this._reported = problems;
    return value;
  }

  /** The value in the user's own settings (never a workspace's): for writes that start from it. */
  userValue(key: string): unknown {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown>(key)?.globalValue;
  }

  /** Where `key` is defined now: the folder, the workspace, else user settings. A write there takes effect. */
  definedAt(key: string): vscode.ConfigurationTarget {
    const i = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown>(key);
    if (i?.workspaceFolderValue !== undefined) return vscode.ConfigurationTarget.WorkspaceFolder;
    if (i?.workspaceValue !== undefined) return vscode.ConfigurationTarget.Workspace;
    return vscode.ConfigurationTarget.Global;
  }

  async update(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
    await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, target);
  }
}
