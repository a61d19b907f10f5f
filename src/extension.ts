import * as vscode from 'vscode';
import { Commands, ContextKeys as Keys, Views } from './host/constants';
import { ContextKeys } from './host/contextKeys';
import { HostLogger } from './host/logger';

/** What activate() returns: used by the integration tests (and by nothing else). */
export interface OnCallApi {
  readonly logger: HostLogger;
  readonly statusBarItem: vscode.StatusBarItem;
}

export function activate(context: vscode.ExtensionContext): OnCallApi {
  const started = Date.now();
  const logger = new HostLogger();
  context.subscriptions.push(logger);
  try {
    const keys = new ContextKeys();
    keys.set(Keys.configured, false);

    const alertsView = vscode.window.createTreeView(Views.alerts, {
      treeDataProvider: { getTreeItem: (e: vscode.TreeItem) => e, getChildren: () => [] },
    });
    const statusBarItem = vscode.window.createStatusBarItem('oncall.status', vscode.StatusBarAlignment.Left, 100);
    statusBarItem.name = 'On Call';
    statusBarItem.text = '$(bell-slash) On Call: not configured';
    statusBarItem.command = `${Views.alerts}.focus`;
    statusBarItem.show();

    context.subscriptions.push(
      alertsView,
      statusBarItem,
      vscode.commands.registerCommand(Commands.showLogs, () => logger.show()),
    );
    logger.info(`activated in ${Date.now() - started} ms (VS Code ${vscode.version})`);
    return { logger, statusBarItem };
  } catch (e) {
    // VS Code does not show a notification when an extension fails to activate, so we do it ourselves.
    logger.error(e instanceof Error ? e : String(e));
    void vscode.window.showErrorMessage(`On Call failed to activate: ${e instanceof Error ? e.message : String(e)}`, 'Show Logs').then((a) => {
      if (a) logger.show();
    });
    throw e;
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
