import * as vscode from 'vscode';
import { NotificationThrottle, shouldNotify } from '../../core/notify/notificationPolicy';
import type { Alert } from '../../core/protocol/types';
import type { Clock } from '../../core/util/clock';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText, isSafeExternalUrl } from '../../core/util/text';
import { escalationText } from '../alerts/alertText';
import type { Config } from '../config';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, ContextKeys as Keys, Views } from '../constants';
import type { ContextKeys } from '../contextKeys';
import { Disposable, DisposableStore, toDisposable } from '../lifecycle';

export interface NotificationSources {
  isOnCall(): boolean;
  identity(): string;
  /** "started after your deploy" marks alerts that notify even at a quieter level. */
  startedAfterMyDeploy(alert: Alert): boolean;
}

/**
 * A notification for each new triggered alert that concerns me (on call, assigned, after my deploy), with
 * Acknowledge / Open Source / Open Runbook. Storm-safe: past N a minute, one summary instead.
 */
export class NotificationsFeature extends Disposable {
  private readonly _connScope = this._register(new DisposableStore());
  private _seen = new Set<string>();
  private _primed = false;
  private _throttle: NotificationThrottle;
  private readonly _log: Logger;
  /** For tests and the log: what was shown. */
  readonly shown: Array<{ kind: 'alert' | 'summary'; ids: string[]; text: string }> = [];

  constructor(
    private readonly _connections: ConnectionFeature,
    private readonly _config: Config,
    private readonly _keys: ContextKeys,
    private readonly _clock: Clock,
    logger: Logger,
    private readonly _sources: NotificationSources,
  ) {
    super();
    this._log = tagged(logger, 'notify');
    this._throttle = new NotificationThrottle(_config.value.notificationsPerMinute);
    this._register(_config.onDidChange((e) => e.affects('notifications') && (this._throttle = new NotificationThrottle(this._config.value.notificationsPerMinute))));
    this._register(_connections.onDidChangeConnection(() => this._follow()));
    const flush = setInterval(() => this._flush(), 5_000);
    this._register(toDisposable(() => clearInterval(flush)));
    this._follow();
  }

  private _follow(): void {
    this._connScope.clear();
    this._seen = new Set();
    this._primed = false;
    const c = this._connections.connection;
    if (!c) return;
    this._connScope.add(
      c.store.onDidChange((e) => {
        // The first batch of a connection is its snapshot: those alerts are not news.
        if (!this._primed) {
          this._primed = true;
          for (const a of c.store.values()) this._seen.add(a.id);
          return;
        }
        for (const id of e.removed) this._seen.delete(id);
        for (const a of e.added) {
          if (this._seen.has(a.id)) continue;
          this._seen.add(a.id);
          this._consider(a);
        }
      }),
    );
  }

  private _consider(a: Alert): void {
    const decision = shouldNotify(a, {
      level: this._config.value.notificationLevel,
      identity: this._sources.identity(),
      onCall: this._sources.isOnCall(),
      startedAfterMyDeploy: this._sources.startedAfterMyDeploy(a),
    });
    if (!decision.notify) {
      this._log.debug(`no notification for ${a.id}: ${decision.why}`);
      return;
    }
    if (this._throttle.offer(a, this._clock.now()) === 'held') {
      this._log.debug(`alert ${a.id} held for the storm summary`);
      return;
    }
    void this._showAlert(a, decision.why);
  }

  private _flush(): void {
    const held = this._throttle.flush(this._clock.now());
    if (!held?.length) return;
    const critical = held.filter((a) => a.severity === 'critical').length;
    const n = held.length;
    const text = critical
      ? n === 1
        ? vscode.l10n.t('On Call: {0} more alert fired ({1} critical).', n, critical)
        : vscode.l10n.t('On Call: {0} more alerts fired ({1} critical).', n, critical)
      : n === 1
        ? vscode.l10n.t('On Call: {0} more alert fired.', n)
        : vscode.l10n.t('On Call: {0} more alerts fired.', n);
    this.shown.push({ kind: 'summary', ids: held.map((a) => a.id), text });
    this._log.info(`storm summary: ${held.length} alerts`);
    void vscode.window.showWarningMessage(text, vscode.l10n.t('Show Alerts')).then((a) => {
      if (a) void vscode.commands.executeCommand(`${Views.alerts}.focus`);
    });
  }

  private async _showAlert(a: Alert, why: string): Promise<void> {
    const esc = escalationText(a, this._clock.now());
    const text = `[${a.severity}] ${displayText(a.service, 40)}: ${displayText(a.title, 160)}${esc ? ` · ${esc}` : ''}`;
    this.shown.push({ kind: 'alert', ids: [a.id], text });
    this._log.info(`notifying ${a.id} (${why})`);
    const acknowledge = vscode.l10n.t('Acknowledge');
    const openSource = vscode.l10n.t('Open Source');
    const openRunbook = vscode.l10n.t('Open Runbook');
    const actions = [acknowledge];
    if (a.stackTrace && this._keys.get(Keys.stackTraces)) actions.push(openSource);
    if (isSafeExternalUrl(a.runbookUrl)) actions.push(openRunbook);
    const show = a.severity === 'critical' ? vscode.window.showErrorMessage : a.severity === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const pick = await show(text, ...actions);
    if (pick === acknowledge) await vscode.commands.executeCommand(Commands.acknowledge, a.id);
    if (pick === openSource) await vscode.commands.executeCommand(Commands.openSource, a.id);
    if (pick === openRunbook) await vscode.commands.executeCommand(Commands.openRunbook, a.id);
  }
}
