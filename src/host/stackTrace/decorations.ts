import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatAge } from '../../core/alerts/format';
import type { Alert } from '../../core/protocol/types';
import { topInAppFrame } from '../../core/stackTrace';
import type { Clock } from '../../core/util/clock';
import { Disposable, toDisposable, type IDisposable } from '../../core/util/disposable';
import { displayText } from '../../core/util/text';
import type { ConnectionFeature } from '../connection/connectionFeature';
import type { SourceOpener } from './sourceOpener';
import { workspaceRelative, type FrameTarget } from './stackTraceText';
import type { TraceResolution } from './traceResolution';

const MAX_DECORATED_ALERTS = 500;

/** The failing line of each open alert, decorated in the editors on screen ("Alert: … · 3m ago"), with a hover. */
export class AlertDecorations extends Disposable {
  private readonly _decoration: vscode.TextEditorDecorationType;
  /** alert id → where its top in-app frame is (for decorations). */
  private readonly _topFrames = new Map<string, FrameTarget>();
  private _decorateTimer: IDisposable | undefined;

  constructor(
    private readonly _p: {
      readonly connections: ConnectionFeature;
      readonly traces: TraceResolution;
      readonly opener: SourceOpener;
      readonly clock: Clock;
      readonly extensionUri: vscode.Uri;
    },
  ) {
    super();
    this._decoration = this._register(
      vscode.window.createTextEditorDecorationType({
        // Light and dark variants: the dark theme needs a lighter red to stay visible.
        light: { gutterIconPath: vscode.Uri.joinPath(_p.extensionUri, 'media', 'alert-gutter-light.svg') },
        dark: { gutterIconPath: vscode.Uri.joinPath(_p.extensionUri, 'media', 'alert-gutter-dark.svg') },
        gutterIconSize: 'contain',
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
        overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground') },
      }),
    );
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.remap())); // re-map for the files now on screen
    this._register(vscode.workspace.onDidSaveTextDocument(() => this.remap()));
    this._register(_p.traces.onDidInvalidate(() => this.remap()));
    this._register(_p.clock.setInterval(() => this.schedule(), 30_000)); // "3m ago" moves on
    this._register(toDisposable(() => this._decorateTimer?.dispose()));
    this._register(vscode.languages.registerHoverProvider({ scheme: 'file' }, { provideHover: (doc, pos) => this._hover(doc, pos) }));
  }

  /** Forgets where frames are (files changed, other editors, another connection) and decorates again. */
  remap(): void {
    this._topFrames.clear();
    this.schedule();
  }

  schedule(): void {
    if (this._decorateTimer) return;
    this._decorateTimer = this._p.clock.setTimeout(() => {
      this._decorateTimer = undefined;
      void this._decorate();
    }, 250);
  }

  private async _decorate(): Promise<void> {
    const store = this._p.connections.connection?.store;
    // One pass that stops at the cap, no copy of the store: during a storm this runs every 250 ms over 100k alerts.
    const open: Alert[] = [];
    if (store) {
      for (const a of store.values()) {
        if (a.status === 'resolved' || !a.stackTrace) continue;
        open.push(a);
        if (open.length >= MAX_DECORATED_ALERTS) break;
      }
    }
    const openIds = new Set(open.map((a) => a.id));
    for (const id of [...this._topFrames.keys()]) if (!openIds.has(id)) this._topFrames.delete(id);
    const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.fsPath));
    for (const a of open) {
      if (this._topFrames.has(a.id)) continue;
      const r = await this._p.traces.resolveAlert(a);
      const top = r && topInAppFrame(r);
      if (!top?.resolved) continue;
      // Only files on screen are worth a git diff to follow local edits.
      const onScreen = visible.has(path.join(top.resolved.folder, ...top.resolved.path.split('/')));
      this._topFrames.set(a.id, onScreen ? await this._p.opener.mapped(a, top.resolved) : top.resolved);
    }
    const now = this._p.clock.now();
    for (const editor of vscode.window.visibleTextEditors) {
      const where = workspaceRelative(editor.document.uri);
      const decos: vscode.DecorationOptions[] = [];
      if (where) {
        for (const [id, t] of this._topFrames) {
          if (t.folder !== where.folder || t.path !== where.rel || t.line === undefined) continue;
          const a = store?.get(id);
          if (!a || t.line > editor.document.lineCount) continue;
          const line = t.line - 1;
          decos.push({
            range: new vscode.Range(line, 0, line, editor.document.lineAt(line).text.length),
            renderOptions: { after: { contentText: vscode.l10n.t('Alert: {0} · {1} ago', displayText(a.title, 80), formatAge(now - Date.parse(a.startedAt))) } },
          });
        }
      }
      editor.setDecorations(this._decoration, decos);
    }
  }

  /** Which open alerts point at this line (decorations, hover, tests). */
  alertsAt(doc: vscode.TextDocument, line: number): Alert[] {
    const where = workspaceRelative(doc.uri);
    if (!where) return [];
    const store = this._p.connections.connection?.store;
    const out: Alert[] = [];
    for (const [id, t] of this._topFrames) {
      if (t.folder === where.folder && t.path === where.rel && t.line === line + 1) {
        const a = store?.get(id);
        if (a && a.status !== 'resolved') out.push(a);
      }
    }
    return out;
  }

  private _hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const alerts = this.alertsAt(doc, pos.line);
    if (alerts.length === 0) return undefined;
    const now = this._p.clock.now();
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false; // alert text is hostile: no command links, no HTML
    md.supportHtml = false;
    for (const a of alerts.slice(0, 5)) {
      md.appendMarkdown(`$(bell) **${a.severity}** `).appendText(displayText(a.title, 200)).appendMarkdown('\n\n');
      md.appendText(vscode.l10n.t('{0} · {1} · started {2} ago', displayText(a.service, 60), a.status, formatAge(now - Date.parse(a.startedAt)))).appendMarkdown('\n\n');
      if (a.description) md.appendText(displayText(a.description, 400)).appendMarkdown('\n\n');
      md.appendMarkdown('---\n\n');
    }
    return new vscode.Hover(md);
  }
}
