import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import type { TraceResolver } from '../../core/git/traceSuspects';
import {
  parseStackTrace,
  resolvedFrameRefs,
  StackTraceResolver,
  topInAppFrame,
  validateCodeMappings,
  validateOncallConfig,
  WorkspaceFileIndex,
  type CodeMapping,
  type ParsedTrace,
  type ResolvedFrame,
  type ResolvedTrace,
} from '../../core/stackTrace';
import type { Clock } from '../../core/util/clock';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText, escapeMarkdown } from '../../core/util/text';
import type { AlertChild, AlertChildrenContributor } from '../alerts/alertChildren';
import type { AlertsFeature } from '../alerts/alertsFeature';
import { formatAge } from '../../core/alerts/format';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, ContextKeys as Keys, EXTENSION_ID } from '../constants';
import type { ContextKeys } from '../contextKeys';
import { Disposable, DisposableStore, toDisposable } from '../../core/util/disposable';
import type { AlertFrames, ResolvedFrameRef } from './alertFrames';
import { WorkspaceFiles } from './workspaceFiles';
import { locationsInLine } from '../../core/stackTrace/lineLocations';
import { errorText } from '../../core/util/errors';

interface FrameTarget {
  folder: string;
  path: string;
  line?: number;
  column?: number;
}

const MAX_DECORATED_ALERTS = 500;

/**
 * From an alert's stack trace to the line: parses traces of any runtime (core), maps frames to workspace files
 * (one index of the workspace, kept current), and offers the jump everywhere an alert shows up — tree,
 * notification, decorations on the failing line, terminal links, the clipboard and vscode:// links.
 * It never opens a file outside the workspace: every target comes from the index.
 */
export class StackTraceFeature extends Disposable implements AlertFrames, AlertChildrenContributor {
  readonly order = 10;
  readonly files: WorkspaceFiles;
  private readonly _index = new WorkspaceFileIndex();
  private _resolver: StackTraceResolver;
  private readonly _cache = new Map<string, { trace: string; resolved: Promise<ResolvedTrace> }>();
  private readonly _log: Logger;
  private readonly _connScope = this._register(new DisposableStore());
  private readonly _decoration: vscode.TextEditorDecorationType;
  /** alert id → where its top in-app frame is (for decorations). */
  private readonly _topFrames = new Map<string, FrameTarget>();
  private _decorateTimer: ReturnType<typeof setTimeout> | undefined;
  private _fileMappings: CodeMapping[] = [];
  /** Set by the deploys feature: maps a deployed line to the working tree (local edits move code). */
  lineMapper: ((alert: Alert, frame: { folder: string; path: string; line: number }) => Promise<number | undefined>) | undefined;
  readonly terminalLinks: StackTerminalLinks;

  constructor(
    private readonly _connections: ConnectionFeature,
    private readonly alerts: AlertsFeature,
    private readonly _clock: Clock,
    logger: Logger,
    keys: ContextKeys,
    extensionUri: vscode.Uri,
  ) {
    super();
    this._log = tagged(logger, 'stack');
    this.files = this._register(new WorkspaceFiles(logger));
    this._resolver = new StackTraceResolver(this._index, { read: (rel, folder) => readText(folder, rel), mappings: [] });
    this._register(
      this.files.onDidChange((c) => {
        for (const p of c.added) this._index.add(c.folder, p);
        for (const p of c.removed) this._index.remove(c.folder, p);
        if (c.added.length + c.removed.length > 0) this._invalidate();
      }),
    );
    this._decoration = this._register(
      vscode.window.createTextEditorDecorationType({
        // Light and dark variants: the dark theme needs a lighter red to stay visible.
        light: { gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'alert-gutter-light.svg') },
        dark: { gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'alert-gutter-dark.svg') },
        gutterIconSize: 'contain',
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
        overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground') },
      }),
    );
    this._register(
      vscode.window.onDidChangeVisibleTextEditors(() => {
        this._topFrames.clear(); // re-map for the files now on screen
        this._scheduleDecorate();
      }),
    );
    this._register(vscode.workspace.onDidSaveTextDocument(() => {
      this._topFrames.clear();
      this._scheduleDecorate();
    }));
    this._register(_connections.onDidChangeConnection(() => this._follow()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('oncall.codeMappings') && void this._loadMappings()));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/.vscode/oncall.json'));
    this._register(watcher.onDidChange(() => void this._loadMappings()));
    this._register(watcher.onDidCreate(() => void this._loadMappings()));
    this._register(watcher.onDidDelete(() => void this._loadMappings()));
    const tick = setInterval(() => this._scheduleDecorate(), 30_000); // "3m ago" moves on
    this._register(toDisposable(() => clearInterval(tick)));
    this._register(toDisposable(() => this._decorateTimer && clearTimeout(this._decorateTimer)));

    this._register(vscode.commands.registerCommand(Commands.openFrame, (t: FrameTarget) => this.openTarget(t)));
    this._register(vscode.commands.registerCommand(Commands.openStackTraceFromClipboard, () => this.openFromClipboard()));
    this._register(vscode.commands.registerCommand(Commands.explainFrames, (item?: unknown) => this.explain(alertIdOf(item))));
    this.terminalLinks = new StackTerminalLinks(this);
    this._register(vscode.window.registerTerminalLinkProvider(this.terminalLinks));
    this._register(vscode.window.registerUriHandler({ handleUri: (uri) => void this.handleUri(uri) }));
    this._register(vscode.languages.registerHoverProvider({ scheme: 'file' }, { provideHover: (doc, pos) => this._hover(doc, pos) }));
    alerts.provider.addContributor(this);
    alerts.openSourceHandler = (id) => this.openSource(id);
    keys.set(Keys.stackTraces, true);
    void this._loadMappings();
    this._follow();
  }

  private _follow(): void {
    this._connScope.clear();
    this._cache.clear();
    this._topFrames.clear();
    const c = this._connections.connection;
    if (c) this._connScope.add(c.store.onDidChange(() => this._scheduleDecorate()));
    this._scheduleDecorate();
  }

  private _invalidate(): void {
    this._resolver.invalidate();
    this._cache.clear();
    this._topFrames.clear();
    this._scheduleDecorate();
  }

  private async _loadMappings(): Promise<void> {
    const all: CodeMapping[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const text = await readText(f.uri.fsPath, '.vscode/oncall.json');
      if (text === undefined) continue;
      const v = validateOncallConfig(text);
      for (const e of v.errors) this._log.warn(`${f.name}/.vscode/oncall.json: ${e}`);
      all.push(...v.mappings.map((m) => ({ ...m, folder: m.folder ? folderPathByName(m.folder) ?? m.folder : f.uri.fsPath })));
    }
    const fromSettings = validateCodeMappings(vscode.workspace.getConfiguration('oncall').get<unknown>('codeMappings') ?? [], 'oncall.codeMappings');
    for (const e of fromSettings.errors) this._log.warn(`setting ${e}`);
    this._fileMappings = [...all, ...fromSettings.mappings];
    this._resolver.setMappings(this._fileMappings);
    this._invalidate();
  }

  /** Parses and resolves an alert's trace (cached per alert and trace text). */
  async resolveAlert(alert: Alert): Promise<ResolvedTrace | undefined> {
    if (!alert.stackTrace) return undefined;
    const hit = this._cache.get(alert.id);
    if (hit && hit.trace === alert.stackTrace) return hit.resolved;
    const resolved = this.files.ready().then(() => this._resolver.resolve(parseStackTrace(alert.stackTrace!)));
    this._cache.set(alert.id, { trace: alert.stackTrace, resolved });
    if (this._cache.size > 5000) this._cache.delete(this._cache.keys().next().value!);
    return resolved;
  }

  async resolveText(text: string): Promise<ResolvedTrace> {
    await this.files.ready();
    return this._resolver.resolve(parseStackTrace(text));
  }

  //#region AlertFrames
  async resolvedFrames(alert: Alert): Promise<ResolvedFrameRef[]> {
    const r = await this.resolveAlert(alert);
    return r ? resolvedFrameRefs(r) : [];
  }

  traceInput(alert: Alert): { trace: ParsedTrace; resolver: TraceResolver } | undefined {
    if (!alert.stackTrace) return undefined;
    const trace = parseStackTrace(alert.stackTrace);
    // The resolver waits for the workspace index, like resolveAlert.
    return { trace, resolver: { resolve: async (t: ParsedTrace) => (await this.files.ready(), this._resolver.resolve(t)) } };
  }
  //#endregion

  //#region opening
  async openSource(alertId: string): Promise<boolean> {
    const alert = this._connections.connection?.store.get(alertId);
    if (!alert) return false;
    if (!alert.stackTrace) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: this alert has no stack trace.'));
      return false;
    }
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('On Call: resolving stack trace…') }, () => this.resolveAlert(alert));
    const top = r && topInAppFrame(r);
    if (!top?.resolved) {
      const why = top ? top.reason : vscode.l10n.t('no frames found in the stack trace');
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('On Call: could not find the source of this alert in the workspace — {0}.', displayText(why, 200)), vscode.l10n.t('Show Resolution Details'));
      if (pick) await this.explain(alertId);
      return false;
    }
    await this.openTarget(await this._mapped(alert, top.resolved));
    return true;
  }

  /** The frame at its working-tree line when the deploys feature can tell (else as printed). */
  private async _mapped(alert: Alert, t: FrameTarget): Promise<FrameTarget> {
    if (!this.lineMapper || t.line === undefined) return t;
    const line = await this.lineMapper(alert, { folder: t.folder, path: t.path, line: t.line });
    return line !== undefined && line !== t.line ? { ...t, line, column: 1 } : t;
  }

  async openTarget(t: FrameTarget): Promise<vscode.TextEditor | undefined> {
    // Targets come from the index, but check again: the file must be inside its workspace folder.
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.fsPath === t.folder);
    if (!folder || !this._index.has(t.folder, t.path)) {
      this._log.warn(`refused to open a path that is not an indexed workspace file: ${displayText(t.path, 200)}`);
      return undefined;
    }
    const uri = vscode.Uri.joinPath(folder.uri, ...t.path.split('/'));
    // An indexed name can be a symlink that points anywhere: what opens must really be inside the folder.
    if (!(await isReallyInside(folder.uri.fsPath, uri.fsPath))) {
      this._log.warn(`refused to open a path that leaves its workspace folder through a symlink: ${displayText(t.path, 200)}`);
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
    const r = await this.resolveText(text);
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

  /**
   * A `vscode://oncall.vscode-oncall/alert?id=…` link (from a chat message, a web page, anywhere): it
   * shows the alert — selected and focused in the Alerts view — and opens nothing in the workspace by
   * itself. Opening its source is the user's click ("Open Source" in the notification, or the row's action).
   */
  async handleUri(uri: vscode.Uri): Promise<{ revealed: boolean; offeredOpenSource: boolean }> {
    const params = new URLSearchParams(uri.query);
    const id = params.get('id') ?? '';
    if (uri.path !== '/alert' || !/^[\w.:@/-]{1,1024}$/.test(id)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: this link is not one it understands ({0}).', displayText(uri.path, 60)));
      return { revealed: false, offeredOpenSource: false };
    }
    const alert = this._connections.connection?.store.get(id);
    if (!alert) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: alert {0} is not in the current feed (resolved, or another alert source).', displayText(id, 80)));
      return { revealed: false, offeredOpenSource: false };
    }
    const revealed = await this._revealAlert(id);
    this._log.info(`a link asked for alert ${displayText(id, 80)}: ${revealed ? 'shown in the Alerts view' : 'not in the Alerts view'}; nothing opened`);
    const title = displayText(alert.title, 80);
    if (!alert.stackTrace) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: a link opened the alert "{0}".', title));
      return { revealed, offeredOpenSource: false };
    }
    const open = vscode.l10n.t('Open Source');
    void vscode.window.showInformationMessage(vscode.l10n.t('On Call: a link opened the alert "{0}". Open the code its stack trace points to?', title), open).then((a) => {
      if (a === open) void this.openSource(id);
    });
    return { revealed, offeredOpenSource: true };
  }

  /** Selects and focuses the alert's row in the Alerts view (paging its group as far as needed, bounded). */
  private async _revealAlert(id: string): Promise<boolean> {
    await vscode.commands.executeCommand('oncall.alerts.focus');
    const provider = this.alerts.provider;
    const group = provider.groupElementFor(id);
    if (!group) return false;
    for (let page = 0; page < 20; page++) {
      const rows = await provider.getChildren(group);
      const row = rows.find((r) => r.kind === 'alert' && r.id === id);
      if (row) {
        try {
          await this.alerts.view.reveal(row, { select: true, focus: true, expand: false });
          return true;
        } catch (e) {
          this._log.warn(`could not reveal alert ${displayText(id, 80)} in the Alerts view: ${errorText(e)}`);
          return false;
        }
      }
      const more = rows.find((r) => r.kind === 'more');
      if (!more || more.kind !== 'more') return false;
      provider.showMore(more.groupKey);
    }
    return false;
  }
  //#endregion

  //#region Alerts tree rows
  hasChildren(alert: Alert): boolean {
    return !!alert.stackTrace;
  }

  async children(alert: Alert): Promise<AlertChild[]> {
    const r = await this.resolveAlert(alert);
    if (!r) return [];
    const rows = (t: ResolvedTrace, prefix: string): AlertChild[] => {
      const app: AlertChild[] = [];
      const lib: AlertChild[] = [];
      t.frames.forEach((f, i) => (f.frame.inApp === false ? lib : app).push(frameChild(f, `${prefix}${i}`)));
      if (lib.length) app.push({ id: `${prefix}lib`, label: lib.length === 1 ? vscode.l10n.t('{0} library frame', lib.length) : vscode.l10n.t('{0} library frames', lib.length), icon: new vscode.ThemeIcon('library'), children: lib });
      return app;
    };
    const title = [r.trace.errorType, r.trace.message].filter(Boolean).map((s) => displayText(s, 120)).join(': ');
    const stack: AlertChild = {
      id: 'stack',
      label: r.frames.length === 1 ? vscode.l10n.t('Stack ({0}, {1} frame)', r.trace.language, r.frames.length) : vscode.l10n.t('Stack ({0}, {1} frames)', r.trace.language, r.frames.length),
      description: title,
      icon: new vscode.ThemeIcon('debug-stackframe'),
      children: [...rows(r, 'f'), ...(r.causes ?? []).map((c, i): AlertChild => ({ id: `cause${i}`, label: vscode.l10n.t('Cause: {0}', displayText(c.trace.errorType ?? vscode.l10n.t('exception'), 80)), description: displayText(c.trace.message, 120), icon: new vscode.ThemeIcon('debug-stackframe-dot'), children: rows(c, `c${i}f`) }))],
      expanded: true,
      contextValue: 'alertChild:stack',
    };
    return [stack];
  }
  //#endregion

  //#region decorations and hover
  private _scheduleDecorate(): void {
    if (this._decorateTimer) return;
    this._decorateTimer = setTimeout(() => {
      this._decorateTimer = undefined;
      void this._decorate();
    }, 250);
  }

  private async _decorate(): Promise<void> {
    const store = this._connections.connection?.store;
    const open = store ? [...store.values()].filter((a) => a.status !== 'resolved' && a.stackTrace).slice(0, MAX_DECORATED_ALERTS) : [];
    const openIds = new Set(open.map((a) => a.id));
    for (const id of [...this._topFrames.keys()]) if (!openIds.has(id)) this._topFrames.delete(id);
    const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.fsPath));
    for (const a of open) {
      if (this._topFrames.has(a.id)) continue;
      const r = await this.resolveAlert(a);
      const top = r && topInAppFrame(r);
      if (!top?.resolved) continue;
      // Only files on screen are worth a git diff to follow local edits.
      const onScreen = visible.has(path.join(top.resolved.folder, ...top.resolved.path.split('/')));
      this._topFrames.set(a.id, onScreen ? await this._mapped(a, top.resolved) : top.resolved);
    }
    const now = this._clock.now();
    for (const editor of vscode.window.visibleTextEditors) {
      const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
      const decos: vscode.DecorationOptions[] = [];
      if (folder) {
        const rel = path.relative(folder.uri.fsPath, editor.document.uri.fsPath).split(path.sep).join('/');
        for (const [id, t] of this._topFrames) {
          if (t.folder !== folder.uri.fsPath || t.path !== rel || t.line === undefined) continue;
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
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return [];
    const rel = path.relative(folder.uri.fsPath, doc.uri.fsPath).split(path.sep).join('/');
    const store = this._connections.connection?.store;
    const out: Alert[] = [];
    for (const [id, t] of this._topFrames) {
      if (t.folder === folder.uri.fsPath && t.path === rel && t.line === line + 1) {
        const a = store?.get(id);
        if (a && a.status !== 'resolved') out.push(a);
      }
    }
    return out;
  }

  private _hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const alerts = this.alertsAt(doc, pos.line);
    if (alerts.length === 0) return undefined;
    const now = this._clock.now();
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
  //#endregion

  /** "Show how each frame was resolved": a markdown report with confidence and reasons (escaped). */
  async explain(alertId: string | undefined): Promise<vscode.TextDocument | undefined> {
    const alert = alertId ? this._connections.connection?.store.get(alertId) : undefined;
    if (!alert?.stackTrace) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: select an alert with a stack trace.'));
      return undefined;
    }
    const r = (await this.resolveAlert(alert))!;
    const lines = [
      vscode.l10n.t('# Stack trace resolution — {0}', escapeMarkdown(alert.title, 200)),
      '',
      vscode.l10n.t('Runtime: {0} · {1} frames', r.trace.language, r.frames.length),
      '',
      vscode.l10n.t('| # | frame | resolved to | confidence | why |'),
      '|---|---|---|---|---|',
    ];
    const also = (f: ResolvedFrame): string => (f.alternatives?.length ? ` ${vscode.l10n.t('(also: {0})', escapeMarkdown(f.alternatives.slice(0, 3).map((x) => x.path).join(', '), 200))}` : '');
    const row = (f: ResolvedFrame, i: number): string =>
      `| ${i} | ${escapeMarkdown(`${f.frame.function ?? ''} ${f.frame.file ?? ''}:${f.frame.line ?? ''}`, 160)} | ${f.resolved ? escapeMarkdown(`${f.resolved.path}:${f.resolved.line ?? ''}`, 160) : '—'} | ${f.confidence} | ${escapeMarkdown(f.reason, 200)}${also(f)} |`;
    r.frames.forEach((f, i) => lines.push(row(f, i)));
    lines.push('', vscode.l10n.t('Add code mappings in `.vscode/oncall.json` (`{0}`) or the `oncall.codeMappings` setting when frames do not resolve.', '{"codeMappings": [{"stackRoot": "/app/", "sourceRoot": "services/checkout/"}]}'));
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') });
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  }

  /** Link to an alert for chat and pagers. */
  static alertUri(id: string): string {
    return `${vscode.env.uriScheme}://${EXTENSION_ID}/alert?id=${encodeURIComponent(id)}`;
  }

  /** For the terminal: resolve the frames found in one line of text. */
  async resolveLine(line: string): Promise<ResolvedFrame[]> {
    if (line.length > 4000) return [];
    const r = await this.resolveText(line);
    const parsed = r.frames.filter((f) => f.resolved);
    if (parsed.length > 0) return parsed;
    // Terminals print traces line by line: a Go file line or a lone Python "File ..." line is not a trace by
    // itself, so look for printed locations and resolve each one the same way (index entries only).
    const out: ResolvedFrame[] = [];
    for (const loc of locationsInLine(line).slice(0, 5)) {
      const f = await this._resolver.resolveFrame({ file: loc.file, line: loc.line, ...(loc.column !== undefined ? { column: loc.column } : {}), raw: line, inApp: true }, 'unknown');
      if (f.resolved) out.push(f);
    }
    return out;
  }
}

export class StackTerminalLinks implements vscode.TerminalLinkProvider<vscode.TerminalLink & { target: FrameTarget }> {
  constructor(private readonly _feature: StackTraceFeature) {}

  async provideTerminalLinks(context: vscode.TerminalLinkContext, _token?: vscode.CancellationToken): Promise<Array<vscode.TerminalLink & { target: FrameTarget }>> {
    const frames = await this._feature.resolveLine(context.line);
    const links: Array<vscode.TerminalLink & { target: FrameTarget }> = [];
    for (const f of frames) {
      const printed = f.frame.file ?? '';
      const idx = printed ? context.line.indexOf(printed) : -1;
      if (idx < 0 || !f.resolved) continue;
      const m = context.line.slice(idx + printed.length).match(/^(?::\d+(?::\d+)?|", line \d+|:line \d+|\(\d+\))/);
      links.push({ startIndex: idx, length: printed.length + (m?.[0].length ?? 0), tooltip: vscode.l10n.t('Open {0} (On Call)', `${f.resolved.path}:${f.resolved.line ?? ''}`), target: f.resolved });
    }
    return links;
  }

  async handleTerminalLink(link: vscode.TerminalLink & { target: FrameTarget }): Promise<void> {
    await this._feature.openTarget(link.target);
  }
}

function frameChild(f: ResolvedFrame, id: string): AlertChild {
  const fn = displayText(f.frame.function ?? f.frame.className ?? '', 80);
  const file = displayText(f.frame.file ? f.frame.file.split(/[\\/]/).pop() : '', 60);
  const label = fn || file || displayText(f.frame.raw, 80);
  const where = f.resolved ? `${f.resolved.path}:${f.resolved.line ?? ''}` : `${displayText(f.frame.file, 80)}:${f.frame.line ?? ''} — ${displayText(f.reason, 80)}`;
  return {
    id,
    label,
    description: where,
    tooltip: `${displayText(f.frame.raw, 300)}\n${f.resolved ? `→ ${f.resolved.path}:${f.resolved.line ?? ''} (${f.confidence}: ${displayText(f.reason, 200)})` : vscode.l10n.t('not resolved: {0}', displayText(f.reason, 200))}`,
    icon: new vscode.ThemeIcon(f.resolved ? 'debug-stackframe-focused' : f.frame.inApp === false ? 'library' : 'question'),
    ...(f.resolved ? { command: { command: Commands.openFrame, title: vscode.l10n.t('Open Frame'), arguments: [f.resolved] }, contextValue: 'alertChild:frame' } : { contextValue: 'alertChild:frame:unresolved' }),
  };
}

function frameQuickPick(f: ResolvedFrame): vscode.QuickPickItem {
  return {
    label: `${f.resolved ? '$(debug-stackframe-focused)' : '$(circle-slash)'} ${displayText(f.frame.function ?? f.frame.file ?? f.frame.raw, 100)}`,
    description: f.resolved ? `${f.resolved.path}:${f.resolved.line ?? ''}` : `${displayText(f.frame.file, 80)}:${f.frame.line ?? ''}`,
    detail: `${f.confidence} — ${displayText(f.reason, 200)}`,
  };
}

function alertIdOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object') {
    const o = item as { kind?: string; id?: string; alertId?: string };
    if (o.kind === 'alert') return o.id;
    if (o.kind === 'child') return o.alertId;
  }
  return undefined;
}

function folderPathByName(name: string): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.name === name)?.uri.fsPath;
}

async function readText(folder: string, rel: string): Promise<string | undefined> {
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(vscode.Uri.file(folder), ...rel.split('/')));
    return bytes.byteLength > 20 * 1024 * 1024 ? undefined : new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when `file`, with every symlink resolved, is a file below `root` (also resolved). */
async function isReallyInside(root: string, file: string): Promise<boolean> {
  try {
    const [r, f] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(file)]);
    const rel = path.relative(r, f);
    return rel !== '' && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..';
  } catch {
    return false; // missing or unreadable: nothing to open
  }
}
