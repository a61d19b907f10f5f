import * as vscode from 'vscode';
import { NotificationThrottle, shouldNotify } from '../../core/notify/notificationPolicy';
import type { Alert } from '../../core/protocol/types';
import type { Clock } from '../../core/util/clock';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText, isSafeExternalUrl } from '../../core/util/text';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { escalationCountdown, titleWithoutService } from '../../core/alerts/format';
import { matchesIdentity } from '../../core/schedule/identity';
import type { Config } from '../config';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, ContextKeys as Keys, Views } from '../constants';
import type { ContextKeys } from '../contextKeys';
import { Disposable, type DisposableStore } from '../../core/util/disposable';
import type { AlertSourceConnection } from '../../core/transport/connection';
import type { HostContext } from '../context';
import type { DeploysFeature } from '../deploys/deploysFeature';
import type { OnCallFeature } from '../onCall/onCallFeature';

/**
 * A notification for each new triggered alert that concerns me (on call, assigned, after my deploy), with
 * Acknowledge / Open Source / Open Runbook. Storm-safe: past N a minute, one summary instead.
 */
export class NotificationsFeature extends Disposable {
  private _seen = new Set<string>();
  private _primed = false;
  private _throttle: NotificationThrottle;
  private readonly _log: Logger;
  /** For tests and the log: what was shown. */
  readonly shown: Array<{ kind: 'alert' | 'summary'; ids: string[]; text: string }> = [];

  private readonly _connections: ConnectionFeature;
  private readonly _config: Config;
  private readonly _keys: ContextKeys;
  private readonly _clock: Clock;

  constructor(
    private readonly _ctx: HostContext,
    private readonly _peers: { readonly onCall: OnCallFeature; readonly deploys: Pick<DeploysFeature, 'startedAfterMyDeploy'> },
  ) {
    super();
    this._connections = _ctx.connections;
    this._config = _ctx.config;
    this._keys = _ctx.keys;
    this._clock = _ctx.clock;
    this._log = tagged(_ctx.logger, 'notify');
    this._throttle = new NotificationThrottle(this._config.value.notificationsPerMinute);
    this._register(this._config.onDidChange((e) => e.affects('notifications') && (this._throttle = new NotificationThrottle(this._config.value.notificationsPerMinute))));
    this._register(_ctx.clock.setInterval(() => this._flush(), 5_000));
    this._register(_ctx.whileConnected((c, scope) => this._follow(c, scope)));
  }

  private _follow(c: AlertSourceConnection | undefined, scope: DisposableStore): void {
    this._seen = new Set();
    this._primed = false;
    if (!c) return;
    scope.add(
      c.store.onDidChange((e) => {
        // The first batch of a connection is its snapshot: those alerts are not news. So is every part of a snapshot
        // that comes in parts (protocol 1.1), or 100k alerts of a storm would be considered one by one.
        if (!this._primed || e.snapshot) {
          this._primed = true;
          for (const a of e.snapshot ? e.added : c.store.values()) this._seen.add(a.id);
          for (const id of e.removed) this._seen.delete(id);
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
      identity: this._ctx.identity.value,
      onCall: this._peers.onCall.myStatus()?.onCall ?? false,
      startedAfterMyDeploy: this._peers.deploys.startedAfterMyDeploy(a),
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

  private _zone(): string {
    return this._ctx.timeZone;
  }

  private _time(iso: string | undefined): string {
    const t = iso ? Date.parse(iso) : NaN;
    return Number.isNaN(t) ? '' : format(new TZDate(t, this._zone()), 'HH:mm');
  }

  /** "you" for me, else the name: the same words as the Alerts view. */
  private _who(p: { name: string; email?: string } | undefined): string {
    if (!p) return '';
    return matchesIdentity(p, this._ctx.identity.value) ? vscode.l10n.t('you') : displayText(p.name, 60);
  }

  /**
   * The notification's text. A notification cannot tick, so no countdown that would freeze: the escalation is
   * an absolute time ("escalates to Bob at 14:32 unless acknowledged"). The service is said once.
   */
  alertText(a: Alert): string {
    const esc = escalationCountdown(a, this._clock.now());
    const at = esc && esc.msLeft > 0 ? format(new TZDate(this._clock.now() + esc.msLeft, this._zone()), 'HH:mm') : '';
    const escText = !esc
      ? ''
      : esc.msLeft <= 0
        ? vscode.l10n.t('escalating now')
        : esc.targetName
          ? vscode.l10n.t('escalates to {0} at {1} unless acknowledged', displayText(esc.targetName, 60), at)
          : vscode.l10n.t('escalates at {0} unless acknowledged', at);
    const title = titleWithoutService(displayText(a.title, 160), displayText(a.service, 40));
    return `[${a.severity}] ${displayText(a.service, 40)}: ${title}${escText ? ` · ${escText}` : ''}`;
  }

  private async _showAlert(a: Alert, why: string): Promise<void> {
    const text = this.alertText(a);
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
    if (pick === acknowledge) await this.acknowledgeFromNotification(a.id, a.title);
    if (pick === openSource) await vscode.commands.executeCommand(Commands.openSource, a.id);
    if (pick === openRunbook) await vscode.commands.executeCommand(Commands.openRunbook, a.id);
  }

  /**
   * "Acknowledge" on a notification that may be minutes old: look at the alert as it is now and say what
   * happened instead of failing with a remedy that does not apply (Reconnect for an alert resolved long ago).
   * Returns what was said, for tests.
   */
  async acknowledgeFromNotification(id: string, title: string): Promise<string | undefined> {
    const conn = this._connections.connection;
    const cur = conn?.store.get(id);
    const name = displayText(cur?.title ?? title, 80);
    let said: string | undefined;
    if (conn && !cur) said = vscode.l10n.t('On Call: "{0}" is no longer in the alert source (resolved and cleared) — nothing to acknowledge.', name);
    else if (cur?.status === 'resolved') {
      const by = this._who(cur.resolvedBy);
      const at = this._time(cur.resolvedAt);
      said = by
        ? vscode.l10n.t('On Call: "{0}" was already resolved by {1} at {2} — nothing to acknowledge.', name, by, at)
        : vscode.l10n.t('On Call: "{0}" was already resolved at {1} — nothing to acknowledge.', name, at);
    } else if (cur?.status === 'acknowledged') {
      said = vscode.l10n.t('On Call: "{0}" was already acknowledged by {1} at {2}.', name, this._who(cur.acknowledgedBy) || vscode.l10n.t('someone'), this._time(cur.acknowledgedAt));
    }
    if (said) {
      said = said.replace(/ at (\.|$| —)/, '$1'); // no time known
      this._log.info(`acknowledge from a notification for ${id}: ${cur ? cur.status : 'gone'}, nothing sent`);
      void vscode.window.showInformationMessage(said);
      return said;
    }
    await vscode.commands.executeCommand(Commands.acknowledge, id);
    return undefined;
  }
}
