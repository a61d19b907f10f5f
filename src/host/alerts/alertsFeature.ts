import * as vscode from 'vscode';
import type { Alert, AlertAction } from '../../core/protocol/types';
import type { AlertSourceConnection } from '../../core/transport/connection';
import type { Clock } from '../../core/util/clock';
import { Emitter } from '../../core/util/event';
import { Throttle } from '../../core/util/throttle';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText, isSafeExternalUrl } from '../../core/util/text';
import { notConnectedText, retryInSec } from '../../core/viewModel/statusBarModel';
import type { Config, GroupBy } from '../config';
import { Commands, ContextKeys as Keys, EXTENSION_ID, Views } from '../constants';
import type { ContextKeys } from '../contextKeys';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Disposable, type DisposableStore } from '../../core/util/disposable';
import type { HostContext } from '../context';
import type { AlertGroup, AlertsModel } from './alertsModel';
import { AlertsTreeProvider, type AlertsElement } from './alertsTreeProvider';
import { errorText } from '../../core/util/errors';
import { groupKeyOf } from '../../core/alerts/ordering';
import { SnapshotPace } from '../../core/viewModel/snapshotPace';

/** Follows whichever connection is current and presents its store to the tree. */
class ConnectionAlertsModel extends Disposable implements AlertsModel {
  private readonly _onDidChange = this._register(new Emitter<unknown>());
  readonly onDidChange = this._onDidChange.event;
  private _conn: AlertSourceConnection | undefined;

  /** Presents `conn` until its scope ends (see ConnectionFeature.whileConnected). */
  follow(conn: AlertSourceConnection | undefined, scope: DisposableStore): void {
    this._conn = conn;
    if (conn) scope.add(conn.store.onDidChange(() => this._onDidChange.fire(undefined)));
    if (conn?.onDidChangeOmittedAlerts) scope.add(conn.onDidChangeOmittedAlerts(() => this._onDidChange.fire(undefined)));
    this._onDidChange.fire(undefined);
  }

  get(id: string): Alert | undefined {
    return this._conn?.store.get(id);
  }
  groupKeyOf(alert: Alert, groupBy: GroupBy): string {
    return groupKeyOf(alert, groupBy);
  }
  groups(groupBy: GroupBy): readonly AlertGroup[] {
    return this._conn?.store.groups(groupBy) ?? [];
  }
  get triggeredCount(): number {
    return this._conn?.store.triggeredCount ?? 0;
  }
  get size(): number {
    return this._conn?.store.size ?? 0;
  }
  get omitted(): number {
    return this._conn?.omittedAlerts ?? 0;
  }
}

/** English verbs for the log (which stays English for support). */
const ACTION_VERB: Record<AlertAction, string> = { ack: 'acknowledge', unack: 'unacknowledge', resolve: 'resolve' };

/**
 * The user-facing texts of an action, whole sentences per action and per one/many alerts so translators
 * never have to glue a verb into a sentence. Called at run time: l10n bundles are not loaded at import.
 */
function actionText(action: AlertAction, title: string | undefined, count: number): { progress: string; failed: (msg: string) => string } {
  const one = count === 1;
  const what = one ? (title ?? '') : count;
  switch (action) {
    case 'ack':
      return {
        progress: one ? vscode.l10n.t('Acknowledging "{0}"…', what) : vscode.l10n.t('Acknowledging {0} alerts…', what),
        failed: (msg) => (one ? vscode.l10n.t('On Call: could not acknowledge "{0}": {1}', what, msg) : vscode.l10n.t('On Call: could not acknowledge {0} alerts: {1}', what, msg)),
      };
    case 'unack':
      return {
        progress: one ? vscode.l10n.t('Un-acknowledging "{0}"…', what) : vscode.l10n.t('Un-acknowledging {0} alerts…', what),
        failed: (msg) => (one ? vscode.l10n.t('On Call: could not unacknowledge "{0}": {1}', what, msg) : vscode.l10n.t('On Call: could not unacknowledge {0} alerts: {1}', what, msg)),
      };
    case 'resolve':
      return {
        progress: one ? vscode.l10n.t('Resolving "{0}"…', what) : vscode.l10n.t('Resolving {0} alerts…', what),
        failed: (msg) => (one ? vscode.l10n.t('On Call: could not resolve "{0}": {1}', what, msg) : vscode.l10n.t('On Call: could not resolve {0} alerts: {1}', what, msg)),
      };
  }
}

/** Hold the refresh when a snapshot's last part is due sooner than this (the 250 ms refresh interval, with room for the estimate to be off). */
const SNAPSHOT_END_HOLD_MS = 400;

/** The Alerts view and everything done from it. */
export class AlertsFeature extends Disposable {
  readonly model: ConnectionAlertsModel;
  readonly provider: AlertsTreeProvider;
  readonly view: vscode.TreeView<AlertsElement>;
  private readonly _log: Logger;
  /**
   * 250 ms: VS Code's extension host debounces a tree's onDidChangeTreeData by 200 ms (trailing, reset by every
   * new event), so refreshes fired closer together than that never reach the view while a storm lasts (bench/
   * measured the tree 5 s behind at 1,000 events/s with the former 100 ms debounce). Spaced wider, each refresh
   * passes on its leading edge. A refresh waits for a 30 ms pause in the changes (at most 250 ms into a burst):
   * 1,000 acks arriving over several socket reads then show in one refresh at their end, instead of one at the
   * first read and the rest a whole interval later (bench/: ack 1,000 → tree).
   */
  private readonly _refresh = this._register(new Throttle(() => this._refreshNow(), 250, { quietMs: 30 }));

  private readonly _connections: ConnectionFeature;
  private readonly _config: Config;
  private readonly _keys: ContextKeys;
  private readonly _clock: Clock;

  constructor(private readonly _ctx: HostContext) {
    super();
    this._connections = _ctx.connections;
    this._config = _ctx.config;
    this._keys = _ctx.keys;
    this._clock = _ctx.clock;
    const _config = this._config;
    this._log = tagged(_ctx.logger, 'alerts');
    this.model = this._register(new ConnectionAlertsModel());
    this.provider = this._register(new AlertsTreeProvider(this.model, _ctx.clock, _config.value.groupBy, _config.value.pageSize, () => _ctx.identity.value, () => _ctx.timeZone));
    this.view = this._register(
      vscode.window.createTreeView(Views.alerts, { treeDataProvider: this.provider, canSelectMany: true, showCollapseAll: true }),
    );
    this._register(_ctx.whileConnected((c, scope) => this.model.follow(c, scope)));
    this._register(_ctx.connections.onDidChangeState(() => this._updateMessage()));
    this._register(this.model.onDidChange(() => this._changed()));
    this._register(
      _config.onDidChange((e) => {
        if (e.affects('alerts.groupBy')) this.provider.setGroupBy(_config.value.groupBy);
        if (e.affects('alerts.pageSize')) this.provider.setPageSize(_config.value.pageSize);
      }),
    );
    // Live ages and escalation countdowns: re-render visible items once a second while the view is visible. Not
    // while a full refresh is due or held: it redraws them anyway, and VS Code would hold it back 200 ms behind
    // the tick's own change event (bench: ack 1,000 → tree).
    this._register(
      _ctx.clock.setInterval(() => {
        if (this.view.visible && this.model.size > 0 && !this._refresh.pending) this.provider.tick();
        this._updateMessage();
      }, 1000),
    );

    this._register(vscode.commands.registerCommand(Commands.acknowledge, (item?: unknown, selected?: unknown) => this.runAction('ack', this.targets(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.unacknowledge, (item?: unknown, selected?: unknown) => this.runAction('unack', this.targets(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.resolve, (item?: unknown, selected?: unknown) => this.runAction('resolve', this.targets(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.openRunbook, (item?: unknown) => this._openLink(this.targets(item)[0], 'runbook')));
    this._register(vscode.commands.registerCommand(Commands.openInAlertSource, (item?: unknown) => this._openLink(this.targets(item)[0], 'source')));
    this._register(vscode.commands.registerCommand(Commands.copyLink, (item?: unknown) => this._copyLink(this.targets(item)[0])));
    this._register(vscode.commands.registerCommand(Commands.changeGrouping, (groupBy?: GroupBy) => this._changeGrouping(groupBy)));
    this._register(vscode.commands.registerCommand(Commands.showMore, (groupKey?: string) => groupKey && this.provider.showMore(groupKey)));
    this._refreshNow();
  }

  /**
   * A change to show. Over the last stretch of a snapshot in parts (its end due within `SNAPSHOT_END_HOLD_MS`), the
   * refresh is held for the end, so the refresh that shows the whole snapshot is not spaced behind one drawn a
   * moment before it (bench: the storm's first page after the snapshot). At most 800 ms held.
   */
  private _changed(): void {
    const eta = this._pace.remainingMs(this._connections.connection?.snapshotProgress, this._clock.now());
    if (eta !== undefined && eta < SNAPSHOT_END_HOLD_MS && !this._endHold) this._endHold = this._refresh.hold(800);
    this._refresh.schedule();
    if (eta === undefined && this._endHold) {
      this._endHold();
      this._endHold = undefined;
    }
  }

  private readonly _pace = new SnapshotPace();
  private _endHold: (() => void) | undefined;

  /** Over the list while the source is out of reach: what is shown is the last known state, not the present. */
  private _updateMessage(): void {
    const c = this._connections.connection;
    const st = c?.state;
    let message: string | undefined;
    if (c && st && st.state !== 'connected' && this._connections.disconnectedSince !== undefined && this.model.size > 0) {
      const now = this._clock.now();
      message = notConnectedText({
        now,
        timeZone: this._ctx.timeZone,
        since: this._connections.disconnectedSince,
        ...(st.retryAt !== undefined ? { retryInSec: retryInSec(st, now)! } : {}),
        connecting: st.retryAt === undefined,
      });
    }
    if (this.view.message !== message) this.view.message = message;
  }

  private _refreshNow(): void {
    this.provider.refresh();
    const n = this.model.triggeredCount;
    this.view.badge = n > 0 ? { value: n, tooltip: n === 1 ? vscode.l10n.t('{0} triggered alert', n) : vscode.l10n.t('{0} triggered alerts', n) } : undefined;
    this._keys.set(Keys.hasAlerts, this.model.size > 0);
  }

  /** Accepts a tree element, an alert id, or nothing (the tree's selection); multi-select passes `selected`. */
  targets(item?: unknown, selected?: unknown): string[] {
    const ids = (x: unknown): string | undefined =>
      typeof x === 'string' ? x : x && typeof x === 'object' && (x as AlertsElement).kind === 'alert' ? (x as { id: string }).id : undefined;
    if (Array.isArray(selected) && selected.length > 0) return selected.map(ids).filter((x): x is string => !!x);
    const one = ids(item);
    if (one) return [one];
    return this.view.selection.map(ids).filter((x): x is string => !!x);
  }

  async runAction(action: AlertAction, alertIds: string[]): Promise<boolean> {
    const conn = this._connections.connection;
    if (alertIds.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: select one or more alerts first.'));
      return false;
    }
    const verb = ACTION_VERB[action];
    const text = actionText(action, alertIds.length === 1 ? displayText(conn?.store.get(alertIds[0]!)?.title, 60) || alertIds[0] : undefined, alertIds.length);
    // The action's events arrive until its result: the view refreshes once, at the result, not in the middle of
    // them and then again an interval later (at most 1 s held: a slow source does not freeze the view).
    const release = this._refresh.hold(1000);
    try {
      if (!conn) throw new Error(vscode.l10n.t('not connected to an alert source — use "On Call: Connect to Alert Source…"'));
      const r = await vscode.window.withProgress({ location: { viewId: Views.alerts }, title: text.progress }, () =>
        (action === 'ack' ? conn.ack(alertIds) : action === 'unack' ? conn.unack(alertIds) : conn.resolve(alertIds)).finally(release),
      );
      this._log.info(`${verb}: ${alertIds.length} alert(s) ok${r.note ? ` (${r.note})` : ''}`);
      // The source did it, with a caveat the user should know (e.g. "done as the configured user").
      if (r.note) void vscode.window.showInformationMessage(vscode.l10n.t('On Call: {0}', displayText(r.note, 300)));
      return true;
    } catch (e) {
      const msg = errorText(e);
      this._log.warn(`${verb} ${alertIds.join(', ')} failed: ${msg}`);
      const reconnect = vscode.l10n.t('Reconnect');
      const showLogs = vscode.l10n.t('Show Logs');
      void vscode.window.showErrorMessage(text.failed(msg), reconnect, showLogs).then((a) => {
        if (a === reconnect) void vscode.commands.executeCommand(Commands.reconnect);
        if (a === showLogs) void vscode.commands.executeCommand(Commands.showLogs);
      });
      return false;
    } finally {
      release(); // idempotent: normally released at the result already
    }
  }

  private async _openLink(id: string | undefined, which: 'runbook' | 'source'): Promise<void> {
    const a = id ? this.model.get(id) : undefined;
    if (!a) return;
    const url = which === 'runbook' ? a.runbookUrl : a.url;
    if (!isSafeExternalUrl(url)) {
      // Alert text is hostile: only http(s) links are ever opened, and only on the user's click.
      this._log.warn(`not opening the ${which} link of alert ${a.id}: not an http(s) URL`);
      void vscode.window.showWarningMessage(
        which === 'runbook'
          ? vscode.l10n.t('On Call: the runbook link of this alert is not an http(s) URL, so it was not opened.')
          : vscode.l10n.t('On Call: the alert source link of this alert is not an http(s) URL, so it was not opened.'),
      );
      return;
    }
    await vscode.env.openExternal(vscode.Uri.parse(url, true));
  }

  private async _copyLink(id: string | undefined): Promise<void> {
    const a = id ? this.model.get(id) : undefined;
    if (!a) return;
    const link = isSafeExternalUrl(a.url) ? a.url : `${vscode.env.uriScheme}://${EXTENSION_ID}/alert?id=${encodeURIComponent(a.id)}`;
    await vscode.env.clipboard.writeText(link);
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(copy) Alert link copied'), 3000);
  }

  private async _changeGrouping(groupBy?: GroupBy): Promise<void> {
    let pick = groupBy;
    if (!pick) {
      const items: Array<vscode.QuickPickItem & { value: GroupBy }> = [
        // Icons as iconPath, not "$(…)" in the label: a screen reader would read the icon's name.
        { label: vscode.l10n.t('Service'), iconPath: new vscode.ThemeIcon('server-process'), value: 'service' },
        { label: vscode.l10n.t('Severity'), iconPath: new vscode.ThemeIcon('list-filter'), value: 'severity' },
        { label: vscode.l10n.t('Status'), iconPath: new vscode.ThemeIcon('pulse'), value: 'status' },
      ];
      const current = this._config.value.groupBy;
      for (const i of items) if (i.value === current) i.description = vscode.l10n.t('current');
      pick = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Group Alerts By') }))?.value;
    }
    if (!pick) return;
    this.provider.setGroupBy(pick);
    await this._config.update('alerts.groupBy', pick);
  }
}
