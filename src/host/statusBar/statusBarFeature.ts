import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import { Throttle } from '../../core/util/throttle';
import { retryInSec, retryScheduled, statusBarModel, type ConnectionPhase } from '../../core/viewModel/statusBarModel';
import type { HostContext } from '../context';
import type { DeploysFeature } from '../deploys/deploysFeature';
import type { OnCallFeature } from '../onCall/onCallFeature';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Views } from '../constants';
import { Disposable } from '../../core/util/disposable';

/** The one status bar item: "$(bell) On call until Mon 09:00 · 2 firing". Click focuses the Alerts view. */
export class StatusBarFeature extends Disposable {
  readonly item: vscode.StatusBarItem;
  /** Store and on-call changes: shown at once when isolated, at most 10 times a second in a storm. */
  private readonly _throttle = this._register(new Throttle(() => this.update(), 100));

  private readonly _connections: ConnectionFeature;

  constructor(
    private readonly _ctx: HostContext,
    private readonly _peers: { readonly onCall: OnCallFeature; readonly deploys: Pick<DeploysFeature, 'watching' | 'onDidChangeWatching'> },
  ) {
    super();
    this._connections = _ctx.connections;
    this.item = this._register(vscode.window.createStatusBarItem('oncall.status', vscode.StatusBarAlignment.Left, 100));
    this.item.name = vscode.l10n.t('On Call');
    this.item.command = `${Views.alerts}.focus`;
    this._register(_ctx.connections.onDidChangeState(() => this.update()));
    // What the item says besides the alerts: my shift, the deploy I am watching, who I am.
    this._register(_peers.onCall.onDidChange(() => this.update()));
    this._register(_peers.deploys.onDidChangeWatching(() => this.update()));
    this._register(_ctx.identity.onDidChange(() => this.update()));
    // Shift ends and countdowns move with time, not only with events.
    this._register(_ctx.clock.setInterval(() => this.update(), 15_000));
    // "retrying in 8 s" counts down while disconnected (cheap: one item, only while not connected).
    this._register(_ctx.clock.setInterval(() => retryScheduled(this._connections.connection?.state) && this.update(), 1000));
    this._register(
      _ctx.whileConnected((c, scope) => {
        if (c) {
          scope.add(c.store.onDidChange(() => this._throttle.schedule()));
          scope.add(c.onDidChangeOnCall(() => this._throttle.schedule()));
        }
        this.update();
      }),
    );
    this.item.show();
  }

  update(): void {
    const c = this._connections.connection;
    const state = c?.state;
    let phase: ConnectionPhase = 'unconfigured';
    if (this._connections.url) {
      phase = !state || state.state === 'connecting' ? 'connecting' : state.state === 'connected' ? 'connected' : 'disconnected';
    }
    const now = this._ctx.clock.now();
    const firing: Alert[] = c ? [...c.store.values()].filter((a) => a.status === 'triggered') : [];
    const m = statusBarModel({
      now,
      timeZone: this._ctx.timeZone,
      connection: phase,
      ...(state?.retryAt !== undefined ? { retryInSec: retryInSec(state, now)! } : {}),
      ...(this._connections.disconnectedSince !== undefined ? { disconnectedSince: this._connections.disconnectedSince } : {}),
      ...(phase !== 'connected' && state?.lastError ? { lastError: state.lastError } : {}),
      onCall: phase === 'unconfigured' ? undefined : this._peers.onCall.myStatus(),
      firing,
      watching: this._peers.deploys.watching(),
      demo: this._connections.isDemo,
    });
    this.item.text = m.text;
    this.item.tooltip = m.tooltip;
    this.item.backgroundColor = m.background ? new vscode.ThemeColor(`statusBarItem.${m.background}Background`) : undefined;
    const label = m.text.replace(/\$\([a-z-]+(~[a-z]+)?\)\s*/g, '');
    // Unchanged text → no write: the item (and an open tooltip) stays put.
    if (this.item.accessibilityInformation?.label !== label) this.item.accessibilityInformation = { label };
  }
}
