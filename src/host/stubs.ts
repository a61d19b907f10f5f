import * as vscode from 'vscode';
import { errorText } from '../core/util/errors';
import { Commands } from './constants';
import type { HostLogger } from './logger';

// Shared by activate() (src/extension.ts, the small start bundle) and the start (src/host/startup.ts): kept
// apart so that extension.ts can use them without loading dist/lazy-startup.js.

/**
 * A stand-in for each contributed command not registered yet (by the context or a feature already built): it
 * calls `need(id)` — which builds what registers the real command, disposing the stand-ins first — then runs
 * the real command with the same arguments.
 */
export function commandStubs(need: (id: string) => void): vscode.Disposable[] {
  const stubs: vscode.Disposable[] = [];
  for (const id of Object.values(Commands)) {
    try {
      stubs.push(
        vscode.commands.registerCommand(id, (...args: unknown[]) => {
          need(id);
          return vscode.commands.executeCommand<unknown>(id, ...args);
        }),
      );
    } catch {
      // Registered already (by the context or a feature built at the start).
    }
  }
  return stubs;
}

/** VS Code does not show a notification when an extension fails to activate (or to build a feature): we do. */
export function reportFailure(logger: HostLogger, what: string, e: unknown): void {
  logger.error(e instanceof Error ? e : String(e));
  void vscode.window.showErrorMessage(`${what}: ${errorText(e)}`, 'Show Logs').then((a) => {
    if (a) logger.show();
  });
}
