import * as vscode from 'vscode';
import { handoffMarkdown } from '../../core/viewModel/handoff';
import type { HostContext } from '../context';
import type { OnCallFeature } from '../onCall/onCallFeature';
import { Commands } from '../constants';
import { Disposable } from '../../core/util/disposable';

/** "On Call: Shift Handoff Summary": a markdown document summarising my shift for the next person. */
export class HandoffFeature extends Disposable {
  constructor(
    private readonly _ctx: HostContext,
    private readonly _peers: { readonly onCall: OnCallFeature },
  ) {
    super();
    this._register(vscode.commands.registerCommand(Commands.shiftHandoff, () => this.open()));
  }

  async open(): Promise<vscode.TextDocument | undefined> {
    const c = this._ctx.connections.connection;
    if (!c) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: connect to an alert source first — the summary is built from its alerts.'));
      return undefined;
    }
    const now = this._ctx.clock.now();
    // Without a known shift, summarise the last 12 hours (and say so in the title line).
    const shift = this._peers.onCall.myShiftWindow() ?? { start: now - 12 * 3_600_000, end: now };
    const content = handoffMarkdown({ alerts: [...c.store.values()], shift, now, timeZone: this._ctx.timeZone, who: this._ctx.identity.value || 'me' });
    // The text as an untitled markdown document (to edit the notes, copy, or save), shown rendered: the
    // preview beside it is what one reads; its text can be selected and copied too.
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: false });
    try {
      await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
    } catch {
      // The built-in markdown extension is disabled: the source stays open, which is readable too.
    }
    return doc;
  }
}
