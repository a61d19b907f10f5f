import * as vscode from 'vscode';
import { ALERT_LIMITS } from '../../core/protocol/limits';
import { Disposable } from '../../core/util/disposable';
import { errorText } from '../../core/util/errors';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { findingsNote } from '../../core/viewModel/findings';
import type { AlertsFeature } from '../alerts/alertsFeature';
import { responderOf } from '../alerts/responderActions';
import { Commands, Views } from '../constants';
import type { HostContext } from '../context';
import type { DeploysFeature } from '../deploys/deploysFeature';

/** What the preview shows: the exact text, and whether it can be posted (else why not). */
export interface FindingsPreview {
  alertId: string;
  text: string;
  canPost: boolean;
  whyNot?: string;
}
/** The user's answer to the preview: post (the text, possibly edited), copy, or cancel. */
export type FindingsChoice = { action: 'post'; text: string } | { action: 'copy' } | { action: 'cancel' };
/** Test seam: answers the preview instead of the user (modal dialogs cannot be clicked in tests). */
export type FindingsResponder = (p: FindingsPreview) => Promise<FindingsChoice>;

export interface ShareResult {
  outcome: 'posted' | 'copied' | 'cancelled' | 'failed' | 'none';
  text?: string;
}

/**
 * Issue 21 item 1, "Share Findings…" on an alert: a note for the ops partner with the top in-app frame (a permalink
 * to the deployed commit on GitHub/GitLab/Bitbucket), the deploy in effect and its range, and the top suspect with
 * why. Nothing leaves without the preview: a modal with the exact text (Post / Edit… / Cancel; Edit opens it as an
 * untitled document and posts what is there). Without notes at the source it offers Copy and says why.
 */
export class ShareFindingsFeature extends Disposable {
  private readonly _log: Logger;
  private _responder: FindingsResponder | undefined;

  constructor(
    private readonly _ctx: HostContext,
    private readonly _peers: { readonly alerts: AlertsFeature; readonly deploys: DeploysFeature },
  ) {
    super();
    this._log = tagged(_ctx.logger, 'findings');
    this._register(vscode.commands.registerCommand(Commands.shareFindings, (item?: unknown, selected?: unknown) => this.share(this._peers.alerts.targets(item, selected))));
  }

  /** Test seam; undefined restores the real dialogs. */
  setResponder(r: FindingsResponder | undefined): void {
    this._responder = r;
  }

  async share(ids: string[]): Promise<ShareResult> {
    const conn = this._ctx.connections.connection;
    if (!conn) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: connect to an alert source first — findings are shared on one of its alerts.'));
      return { outcome: 'none' };
    }
    if (ids.length !== 1) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: findings go on one alert: select exactly one.'));
      return { outcome: 'none' };
    }
    const alert = conn.store.get(ids[0]!);
    if (!alert) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: that alert is no longer in the list.'));
      return { outcome: 'none' };
    }
    const ac = new AbortController();
    const facts = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('On Call: gathering findings for "{0}"…', displayText(alert.title, 60)), cancellable: true },
      (_p, token) => {
        token.onCancellationRequested(() => ac.abort());
        return this._peers.deploys.findingsFacts(alert, ac.signal);
      },
    );
    if (ac.signal.aborted) return { outcome: 'cancelled' };
    const text = findingsNote({ alert, ...facts, now: this._ctx.clock.now() });
    const r = responderOf(conn);
    const whyNot = r
      ? r.unsupportedReason('note')
      : vscode.l10n.t('a direct ntfy or Gotify connection only receives alerts: connect through the bridge to post notes');
    const preview: FindingsPreview = { alertId: alert.id, text, canPost: whyNot === undefined, ...(whyNot !== undefined ? { whyNot } : {}) };
    const choice = await (this._responder ? this._responder(preview) : this._ask(preview, alert.title));
    if (choice.action === 'cancel') return { outcome: 'cancelled', text };
    if (choice.action === 'copy' || !r || whyNot !== undefined) {
      if (choice.action === 'post') this._log.warn(`cannot post findings: ${whyNot ?? 'no responder actions'}`);
      await vscode.env.clipboard.writeText(choice.action === 'post' ? choice.text : text);
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: findings copied to the clipboard.'));
      return { outcome: 'copied', text };
    }
    const posted = choice.text.trim();
    if (!posted || posted.length > ALERT_LIMITS.maxNoteChars) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: not posted: a note must have 1 to {0} characters (this has {1}).', ALERT_LIMITS.maxNoteChars, posted.length));
      return { outcome: 'failed', text: posted };
    }
    try {
      await vscode.window.withProgress({ location: { viewId: Views.alerts }, title: vscode.l10n.t('Posting findings…') }, () => r.note(alert.id, posted));
      this._log.info(`findings posted on ${alert.id} (${posted.length} characters)`);
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: findings posted as a note on "{0}".', displayText(alert.title, 80)));
      return { outcome: 'posted', text: posted };
    } catch (e) {
      this._log.warn(`posting findings on ${alert.id} failed: ${errorText(e)}`);
      const copy = vscode.l10n.t('Copy to Clipboard');
      void vscode.window.showErrorMessage(vscode.l10n.t('On Call: could not post the findings: {0}', displayText(errorText(e), 300)), copy).then(async (a) => {
        if (a === copy) await vscode.env.clipboard.writeText(posted);
      });
      return { outcome: 'failed', text: posted };
    }
  }

  /** The real preview: a modal with the exact text; Edit… opens it in an untitled document and posts what is there. */
  private async _ask(p: FindingsPreview, title: string): Promise<FindingsChoice> {
    const copy = vscode.l10n.t('Copy to Clipboard');
    if (!p.canPost) {
      const picked = await vscode.window.showWarningMessage(
        vscode.l10n.t('The alert source has no notes ({0}). Copy the findings and share them yourself?', displayText(p.whyNot, 200)),
        { modal: true, detail: p.text },
        copy,
      );
      return picked === copy ? { action: 'copy' } : { action: 'cancel' };
    }
    const post = vscode.l10n.t('Post Note');
    const edit = vscode.l10n.t('Edit…');
    const picked = await vscode.window.showInformationMessage(vscode.l10n.t('Post these findings as a note on "{0}"? Your team and the alert source see exactly this text.', displayText(title, 80)), { modal: true, detail: p.text }, post, edit, copy);
    if (picked === post) return { action: 'post', text: p.text };
    if (picked === copy) return { action: 'copy' };
    if (picked !== edit) return { action: 'cancel' };
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: p.text });
    await vscode.window.showTextDocument(doc, { preview: false });
    const again = await vscode.window.showInformationMessage(vscode.l10n.t('Edit the findings in the editor, then post them. What the document holds is what gets posted.'), post, vscode.l10n.t('Cancel'));
    return again === post ? { action: 'post', text: doc.getText() } : { action: 'cancel' };
  }
}
