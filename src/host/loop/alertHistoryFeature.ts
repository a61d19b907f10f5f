import * as vscode from 'vscode';
import { findAlertRule, MAX_RULE_FILE_BYTES } from '../../core/alerts/alertRule';
import { pagedHereText, pagedLines, ruleOf, ruleStats, type Firing, type PagedLine, type RuleStats } from '../../core/alerts/firingHistory';
import type { Alert } from '../../core/protocol/types';
import { Disposable } from '../../core/util/disposable';
import { errorText } from '../../core/util/errors';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { Commands } from '../constants';
import type { HostContext } from '../context';
import { alertIdOf } from '../stackTrace/stackTraceText';
import type { TraceResolution } from '../stackTrace/traceResolution';
import type { ResolvedFrameRef } from '../stackTrace/alertFrames';

/** Rule files looked at: YAML in the workspace, at most this many, none under dependency folders. */
const RULE_GLOB = '**/*.{yml,yaml}';
const RULE_EXCLUDE = '**/{node_modules,.git,vendor,dist,out,.venv}/**';
const MAX_RULE_FILES = 2000;
const PAGED_WINDOW_DAYS = 30;
const DAY_MS = 24 * 3_600_000;

export interface RuleResult {
  kind: 'opened' | 'notFound' | 'noRule' | 'noAlert';
  alertname?: string;
  uri?: vscode.Uri;
  line?: number;
  /** How often it fired recently, from the bridge's firing history (absent: the source keeps none). */
  stats?: RuleStats;
  message: string;
}

/**
 * Issue 21 items 6 and 7, from the bridge's firing history (protocol 1.1 `snapshot.history`):
 *  - "Open Alerting Rule" for Alertmanager alerts: finds `alert: <alertname>` in the workspace's rule files
 *    (bounded search, reading only: no trust needed), opens the line, says how often it fired in the last 24 h
 *    and marks it flapping;
 *  - the "paged here" CodeLens: lines that were the top frame of recent alerts (30 days) show
 *    "paged 3× in 30 days · last Tue", linking to those alerts (`oncall.pagedHere.codeLens` turns it off).
 */
export class AlertHistoryFeature extends Disposable implements vscode.CodeLensProvider {
  private readonly _log: Logger;
  private readonly _onDidChangeCodeLenses = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this._onDidChangeCodeLenses.event;
  /** Printed frame "file:line" → where it is in the workspace (null: not in it). Cleared when the index changes. */
  private readonly _located = new Map<string, ResolvedFrameRef | null>();
  private _lines: Promise<Array<PagedLine<ResolvedFrameRef>>> | undefined;
  private _refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last pick list "Show Alerts Paged Here" offered (tests). */
  lastPagedHere: Array<{ alertId: string; open: boolean }> = [];

  constructor(
    private readonly _ctx: HostContext,
    private readonly _traces: TraceResolution,
  ) {
    super();
    this._log = tagged(_ctx.logger, 'history');
    this._register(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this));
    this._register(vscode.commands.registerCommand(Commands.openAlertingRule, (item?: unknown) => this.openRule(alertIdOf(item))));
    this._register(vscode.commands.registerCommand(Commands.showPagedHere, (ids?: unknown) => this.showPagedHere(Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [])));
    this._register(_ctx.config.onDidChange((e) => e.affects('pagedHere.codeLens') && this._changed()));
    this._register(
      _traces.onDidInvalidate(() => {
        this._located.clear();
        this._changed();
      }),
    );
    this._register(
      _ctx.whileConnected((conn, scope) => {
        this._changed();
        if (conn?.onDidChangeHistory) scope.add(conn.onDidChangeHistory(() => this._changedSoon()));
      }),
    );
    this._register({ dispose: () => clearTimeout(this._refreshTimer) });
  }

  private _history(): Firing[] {
    return this._ctx.connections.connection?.history?.all() ?? [];
  }

  private _changed(): void {
    this._lines = undefined;
    this._onDidChangeCodeLenses.fire();
  }

  /** A storm of alert events: one CodeLens refresh a second at most. */
  private _changedSoon(): void {
    if (this._refreshTimer) return;
    this._refreshTimer = setTimeout(() => {
      this._refreshTimer = undefined;
      this._changed();
    }, 1000);
  }

  //#region "paged here"
  /** Lines that were the top frame of recent alerts, resolved to workspace files (cached until the history changes). */
  pagedLines(): Promise<Array<PagedLine<ResolvedFrameRef>>> {
    this._lines ??= this._computeLines();
    return this._lines;
  }

  private async _computeLines(): Promise<Array<PagedLine<ResolvedFrameRef>>> {
    const history = this._history().filter((f) => f.topFrame);
    for (const f of history) {
      const key = `${f.topFrame!.file}:${f.topFrame!.line}`;
      if (this._located.has(key) || this._located.size > 5000) continue;
      try {
        this._located.set(key, (await this._traces.resolveLocation(f.topFrame!.file, f.topFrame!.line)) ?? null);
      } catch (e) {
        this._log.debug(`could not resolve ${key}: ${errorText(e)}`);
        this._located.set(key, null);
      }
    }
    return pagedLines(history, this._ctx.clock.now(), PAGED_WINDOW_DAYS * DAY_MS, (f) => {
      const loc = this._located.get(`${f.topFrame!.file}:${f.topFrame!.line}`);
      return loc ? { key: `${loc.folder}\u0000${loc.path}:${loc.line}`, location: loc } : undefined;
    });
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this._ctx.config.value.pagedHereCodeLens || !this._ctx.connections.connection?.history) return [];
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return [];
    const rel = vscode.workspace.asRelativePath(doc.uri, false).split('\\').join('/');
    const lines = (await this.pagedLines()).filter((l) => l.location.folder === folder.uri.fsPath && (l.location.path === rel || doc.uri.path.endsWith(`/${l.location.path}`)));
    const now = this._ctx.clock.now();
    return lines
      .filter((l) => l.location.line >= 1 && l.location.line <= doc.lineCount)
      .map((l) => {
        const title = pagedHereText(l.firings.length, PAGED_WINDOW_DAYS, l.lastFiredAt, now, this._ctx.timeZone);
        const rules = [...new Set(l.firings.map((f) => f.rule))].slice(0, 3).map((r) => displayText(r, 80)).join(', ');
        return new vscode.CodeLens(new vscode.Range(l.location.line - 1, 0, l.location.line - 1, 0), {
          title: `$(history) ${title}`,
          tooltip: vscode.l10n.t('The top frame of {0} recent alert(s): {1}', l.firings.length, rules),
          command: Commands.showPagedHere,
          arguments: [l.firings.map((f) => `${f.alertId}\u0000${f.firedAt}`)],
        });
      });
  }

  /** The alerts a "paged here" lens counts, newest first: an open one picked is shown in the Alerts view. */
  async showPagedHere(keys: readonly string[]): Promise<void> {
    const wanted = new Set(keys);
    const firings = this._history().filter((f) => wanted.has(`${f.alertId}\u0000${f.firedAt}`)).reverse();
    const store = this._ctx.connections.connection?.store;
    const items = firings.map((f) => {
      const alert = store?.get(f.alertId);
      const open = !!alert && alert.status !== 'resolved' && alert.startedAt === f.firedAt;
      return {
        label: `${open ? '$(bell)' : '$(history)'} ${displayText(f.title, 120)}`,
        description: `${f.severity} · ${new Date(f.firedAt).toLocaleString()}${f.clearedAt ? vscode.l10n.t(' · cleared') : open ? vscode.l10n.t(' · open') : ''}`,
        detail: displayText(`${f.service} · ${f.rule}`, 200),
        alertId: f.alertId,
        open,
      };
    });
    this.lastPagedHere = items.map((i) => ({ alertId: i.alertId, open: i.open }));
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Alerts whose top frame was this line') });
    if (pick?.open) await vscode.commands.executeCommand('oncall.alerts.focus');
  }
  //#endregion

  //#region the alert's rule
  async openRule(alertId?: string): Promise<RuleResult> {
    const store = this._ctx.connections.connection?.store;
    let alert: Alert | undefined = alertId ? store?.get(alertId) : undefined;
    if (!alert && !alertId && store) {
      const withRule = store.sorted().filter((a) => a.labels.alertname);
      const pick = await vscode.window.showQuickPick(
        withRule.map((a) => ({ label: displayText(a.title, 120), description: displayText(a.labels.alertname!, 80), a })),
        { title: vscode.l10n.t('Open the alerting rule of…') },
      );
      alert = pick?.a;
    }
    if (!alert) return this._say({ kind: 'noAlert', message: vscode.l10n.t('On Call: no alert to open the rule of.') });
    const alertname = alert.labels.alertname?.trim();
    if (!alertname) {
      return this._say({ kind: 'noRule', message: vscode.l10n.t('On Call: this alert has no Prometheus alerting rule (no "alertname" label): only Alertmanager alerts name their rule.') });
    }
    const conn = this._ctx.connections.connection;
    const stats = conn?.hasHistory ? ruleStats(conn.history?.all() ?? [], ruleOf(alert), alert.service, this._ctx.clock.now()) : undefined;
    const fired = stats ? this._statsText(alertname, stats) : vscode.l10n.t('The alert source keeps no firing history');
    const found = await this._findRule(alertname);
    if (!found) {
      return this._say({
        kind: 'notFound',
        alertname,
        ...(stats ? { stats } : {}),
        message: vscode.l10n.t('On Call: no rule file in this workspace defines "alert: {0}" (searched YAML files with groups: and rules:). {1}.', displayText(alertname, 80), fired),
      });
    }
    const doc = await vscode.workspace.openTextDocument(found.uri);
    const pos = new vscode.Position(found.line - 1, 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
    return this._say({ kind: 'opened', alertname, uri: found.uri, line: found.line, ...(stats ? { stats } : {}), message: vscode.l10n.t('On Call: {0}.', fired) }, stats?.flapping);
  }

  private _statsText(alertname: string, s: RuleStats): string {
    const name = displayText(alertname, 80);
    const base = s.fired === 1 ? vscode.l10n.t('{0} fired once in the last 24 h', name) : vscode.l10n.t('{0} fired {1}× in the last 24 h', name, s.fired);
    return s.flapping ? vscode.l10n.t('{0} — flapping (it fires and clears repeatedly)', base) : base;
  }

  private _say(r: RuleResult, warn = false): RuleResult {
    this._log.info(r.message);
    void (warn ? vscode.window.showWarningMessage(r.message) : vscode.window.showInformationMessage(r.message));
    return r;
  }

  private async _findRule(alertname: string): Promise<{ uri: vscode.Uri; line: number } | undefined> {
    const files = await vscode.workspace.findFiles(RULE_GLOB, RULE_EXCLUDE, MAX_RULE_FILES);
    // Likely rule files first (rules/, alerts/, prometheus/, monitoring/ in the path).
    const likely = (u: vscode.Uri): number => Number(!/rule|alert|prometheus|monitor/i.test(u.path));
    files.sort((a, b) => likely(a) - likely(b));
    for (const uri of files) {
      try {
        const stat = await vscode.workspace.fs.stat(uri);
        if (stat.size > MAX_RULE_FILE_BYTES) continue;
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        const lines = findAlertRule(text, alertname);
        if (lines.length > 0) return { uri, line: lines[0]! };
      } catch (e) {
        this._log.debug(`could not read ${uri.fsPath}: ${errorText(e)}`);
      }
    }
    return undefined;
  }
  //#endregion
}
