import * as vscode from 'vscode';
import type { Clock } from '../../core/util/clock';
import { handoffMarkdown } from '../../core/viewModel/handoff';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands } from '../constants';
import { Disposable } from '../../core/util/disposable';

export interface HandoffSources {
  /** My current shift, else my last one; undefined when the schedule does not know me. */
  myShift(): { start: number; end: number } | undefined;
  who(): string;
  timeZone(): string;
}

/** "On Call: Shift Handoff Summary": a markdown document summarising my shift for the next person. */
export class HandoffFeature extends Disposable {
  constructor(
    private readonly _connections: ConnectionFeature,
    private readonly _clock: Clock,
    private readonly _sources: HandoffSources,
  ) {
    super();
    this._register(vscode.commands.registerCommand(Commands.shiftHandoff, () => this.open()));
  }

  async open(): Promise<vscode.TextDocument | undefined> {
    const c = this._connections.connection;
    if (!c) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: connect to an alert source first — the summary is built from its alerts.'));
      return undefined;
    }
    const now = this._clock.now();
    // Without a known shift, summarise the last 12 hours (and say so in the title line).
    const shift = this._sources.myShift() ?? { start: now - 12 * 3_600_000, end: now };
    const content = handoffMarkdown({ alerts: [...c.store.values()], shift, now, timeZone: this._sources.timeZone(), who: this._sources.who() || 'me' });
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
