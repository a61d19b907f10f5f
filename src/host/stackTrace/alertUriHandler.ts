import * as vscode from 'vscode';
import type { Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import type { AlertsFeature } from '../alerts/alertsFeature';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { EXTENSION_ID } from '../constants';
import { revealInTree } from '../treeReveal';
import { errorText } from '../../core/util/errors';

/** Link to an alert for chat and pagers. */
export function alertUri(id: string): string {
  return `${vscode.env.uriScheme}://${EXTENSION_ID}/alert?id=${encodeURIComponent(id)}`;
}

/**
 * A `vscode://oncall.vscode-oncall/alert?id=…` link (from a chat message, a web page, anywhere): it
 * shows the alert — selected and focused in the Alerts view — and opens nothing in the workspace by
 * itself. Opening its source is the user's click ("Open Source" in the notification, or the row's action).
 */
export class AlertUriHandler implements vscode.UriHandler {
  constructor(
    private readonly _p: {
      readonly connections: ConnectionFeature;
      readonly alerts: AlertsFeature;
      readonly log: Logger;
      readonly openSource: (alertId: string) => Promise<unknown>;
    },
  ) {}

  handleUri(uri: vscode.Uri): void {
    void this.handle(uri);
  }

  async handle(uri: vscode.Uri): Promise<{ revealed: boolean; offeredOpenSource: boolean }> {
    const params = new URLSearchParams(uri.query);
    const id = params.get('id') ?? '';
    if (uri.path !== '/alert' || !/^[\w.:@/-]{1,1024}$/.test(id)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: this link is not one it understands ({0}).', displayText(uri.path, 60)));
      return { revealed: false, offeredOpenSource: false };
    }
    const alert = this._p.connections.connection?.store.get(id);
    if (!alert) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: alert {0} is not in the current feed (resolved, or another alert source).', displayText(id, 80)));
      return { revealed: false, offeredOpenSource: false };
    }
    const revealed = await this._revealAlert(id);
    this._p.log.info(`a link asked for alert ${displayText(id, 80)}: ${revealed ? 'shown in the Alerts view' : 'not in the Alerts view'}; nothing opened`);
    const title = displayText(alert.title, 80);
    if (!alert.stackTrace) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: a link opened the alert "{0}".', title));
      return { revealed, offeredOpenSource: false };
    }
    const open = vscode.l10n.t('Open Source');
    void vscode.window.showInformationMessage(vscode.l10n.t('On Call: a link opened the alert "{0}". Open the code its stack trace points to?', title), open).then((a) => {
      if (a === open) void this._p.openSource(id);
    });
    return { revealed, offeredOpenSource: true };
  }

  /** Selects and focuses the alert's row in the Alerts view (paging its group as far as needed, bounded). */
  private async _revealAlert(id: string): Promise<boolean> {
    await vscode.commands.executeCommand('oncall.alerts.focus');
    const provider = this._p.alerts.provider;
    const group = provider.groupElementFor(id);
    if (!group) return false;
    for (let page = 0; page < 20; page++) {
      const rows = await provider.getChildren(group);
      const row = rows.find((r) => r.kind === 'alert' && r.id === id);
      if (row) {
        try {
          // Looked up again on a retry: a refresh that raced the reveal may have moved the row (acked → other group).
          return await revealInTree(this._p.alerts.view, () => provider.alertRowFor(id), { select: true, focus: true, expand: false });
        } catch (e) {
          this._p.log.warn(`could not reveal alert ${displayText(id, 80)} in the Alerts view: ${errorText(e)}`);
          return false;
        }
      }
      const more = rows.find((r) => r.kind === 'more');
      if (!more || more.kind !== 'more') return false;
      provider.showMore(more.groupKey);
    }
    return false;
  }
}
