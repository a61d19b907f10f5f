import * as vscode from 'vscode';

/** Sets context keys through one place, skipping writes that would not change anything. */
export class ContextKeys {
  private readonly _values = new Map<string, unknown>();

  set(key: string, value: unknown): void {
    if (this._values.has(key) && this._values.get(key) === value) return;
    this._values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  get(key: string): unknown {
    return this._values.get(key);
  }
}
