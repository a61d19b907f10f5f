import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import { topInAppFrame, type ResolvedTrace } from '../../core/stackTrace';
import type { Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { frameQuickPick, isReallyInside, type FrameTarget } from './stackTraceText';
import type { TraceResolution } from './traceResolution';

/** Maps a deployed line to the working tree (local edits move code); undefined when it cannot tell. */
export interface WorkingTreeLines {
  workingTreeLine(alert: Alert, frame: { folder: string; path: string; line: number }): Promise<number | undefined>;
}

/**
 * Opens what a trace points at: an alert's top in-app frame, a frame picked from a pasted trace, a frame row.
 * It never opens a file outside the workspace: every target must be in the index and really inside its folder.
 */
export class SourceOpener {
  constructor(
    private readonly _p: {
      readonly connections: ConnectionFeature;
      readonly traces: TraceResolution;
      readonly log: Logger;
      /** Shows how each frame resolved (when the top frame did not). */
      readonly explain: (alertId: string) => Promise<unknown>;
      readonly lines: WorkingTreeLines | undefined;
    },
  ) {}

  async openSource(alertId: string): Promise<boolean> {
    const alert = this._p.connections.connection?.store.get(alertId);
    if (!alert) return false;
    if (!alert.stackTrace) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: this alert has no stack trace.'));
      return false;
    }
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('On Call: resolving stack trace…') }, () => this._p.traces.resolveAlert(alert));
    const top = r && topInAppFrame(r);
    if (!top?.resolved) {
      const why = top ? top.reason : vscode.l10n.t('no frames found in the stack trace');
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('On Call: could not find the source of this alert in the workspace — {0}.', displayText(why, 200)), vscode.l10n.t('Show Resolution Details'));
      if (pick) await this._p.explain(alertId);
      return false;
    }
    await this.openTarget(await this.mapped(alert, top.resolved));
    return true;
  }

  /** The frame at its working-tree line when the deploys feature can tell (else as printed). */
  async mapped(alert: Alert, t: FrameTarget): Promise<FrameTarget> {
    if (!this._p.lines || t.line === undefined) return t;
    const line = await this._p.lines.workingTreeLine(alert, { folder: t.folder, path: t.path, line: t.line });
    return line !== undefined && line !== t.line ? { ...t, line, column: 1 } : t;
  }

  async openTarget(t: FrameTarget): Promise<vscode.TextEditor | undefined> {
    // Targets come from the index, but check again: the file must be inside its workspace folder.
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.fsPath === t.folder);
    if (!folder || !this._p.traces.has(t.folder, t.path)) {
      this._p.log.warn(`refused to open a path that is not an indexed workspace file: ${displayText(t.path, 200)}`);
      return undefined;
    }
    const uri = vscode.Uri.joinPath(folder.uri, ...t.path.split('/'));
    // An indexed name can be a symlink that points anywhere: what opens must really be inside the folder.
    if (!(await isReallyInside(folder.uri.fsPath, uri.fsPath))) {
      this._p.log.warn(`refused to open a path that leaves its workspace folder through a symlink: ${displayText(t.path, 200)}`);
      return undefined;
    }
    const line = Math.max(0, (t.line ?? 1) - 1);
    const col = Math.max(0, (t.column ?? 1) - 1);
    const editor = await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, col, line, col), preview: true });
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  }

  async openFromClipboard(): Promise<ResolvedTrace | undefined> {
    const text = (await vscode.env.clipboard.readText()).slice(0, 2_000_000);
    const r = await this._p.traces.resolveText(text);
    const frames = [r, ...(r.causes ?? [])].flatMap((t) => t.frames);
    if (frames.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: no stack trace found in the clipboard.'));
      return r;
    }
    const items = frames.map((f) => ({ ...frameQuickPick(f), f }));
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Stack trace ({0}) — {1} {2}', r.trace.language, displayText(r.trace.errorType ?? '', 60), displayText(r.trace.message ?? '', 100)), matchOnDescription: true });
    if (pick?.f.resolved) await this.openTarget(pick.f.resolved);
    return r;
  }
}
