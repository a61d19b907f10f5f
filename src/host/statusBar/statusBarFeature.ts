import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import { Throttle } from '../../core/util/throttle';
import { retryInSec, retryScheduled, statusBarModel, TOOLTIP_TOP, type ConnectionPhase, type FiringSummary } from '../../core/viewModel/statusBarModel';
import type { HostContext } from '../context';
import type { DeploysFeature } from '../deploys/deploysFeature';
import type { OnCallFeature } from '../onCall/onCallFeature';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Views } from '../constants';
import { Disposable } from '../../core/util/disposable';

/** The item's text at most this often in a storm (issue #22: alert → status bar ≤ transport + 50 ms at p99). */
const TEXT_INTERVAL_MS = 16;
/** The tooltip's list (a pass over the store) at most this often in a storm. */
const TOP_INTERVAL_MS = 1000;

/** The one status bar item: "$(bell) On call until Mon 09:00 · 2 firing". Click focuses the Alerts view. */
export class StatusBarFeature extends Disposable {
  readonly item: vscode.StatusBarItem;
  /**
   * Store and on-call changes: shown at once when isolated, at most every 16 ms in a storm. An update is O(1) in
   * the store's size (its incremental counts), so a short interval costs little even with 100k alerts.
   */
  private readonly _throttle = this._register(new Throttle(() => this.update(), TEXT_INTERVAL_MS));
  /**
   * The tooltip's "N firing:" list needs one pass over the store: at once when isolated, at most once a second
   * in a storm. Between passes the list is re-read from the store (still triggered?) and the counts are exact.
   */
  private readonly _topThrottle = this._register(new Throttle(() => this._refreshTop(), TOP_INTERVAL_MS));
  private _top: readonly Alert[] = [];

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
          scope.add(
            c.store.onDidChange(() => {
              this._throttle.schedule();
              this._topThrottle.schedule();
            }),
          );
          scope.add(c.onDidChangeOnCall(() => this._throttle.schedule()));
        }
        this._top = c ? c.store.topTriggered(TOOLTIP_TOP) : [];
        this.update();
      }),
    );
    this.item.show();
  }

  private _refreshTop(): void {
    this._top = this._connections.connection?.store.topTriggered(TOOLTIP_TOP) ?? [];
    this.update();
  }

  /** The store's triggered counts (O(1)) and the last top list, each alert as the store has it now. */
  private _firing(): FiringSummary {
    const store = this._connections.connection?.store;
    if (!store) return { count: 0, critical: 0, top: [] };
    const top: Alert[] = [];
    for (const a of this._top) {
      const now = store.get(a.id);
      if (now?.status === 'triggered') top.push(now);
    }
    return { count: store.triggeredCount, critical: store.triggeredOf('critical'), top };
  }

  update(): void {
    const c = this._connections.connection;
    const state = c?.state;
    let phase: ConnectionPhase = 'unconfigured';
    if (this._connections.url) {
      phase = !state || state.state === 'connecting' ? 'connecting' : state.state === 'connected' ? (state.synced === false ? 'loading' : 'connected') : 'disconnected';
    }
    const now = this._ctx.clock.now();
    const m = statusBarModel({
      now,
      timeZone: this._ctx.timeZone,
      connection: phase,
      ...(state?.retryAt !== undefined ? { retryInSec: retryInSec(state, now)! } : {}),
      ...(this._connections.disconnectedSince !== undefined ? { disconnectedSince: this._connections.disconnectedSince } : {}),
      ...(phase !== 'connected' && state?.lastError ? { lastError: state.lastError } : {}),
      onCall: phase === 'unconfigured' ? undefined : this._peers.onCall.myStatus(),
      firing: this._firing(),
      ...(phase === 'loading' && c ? { received: c.store.size } : {}),
      watching: this._peers.deploys.watching(),
      demo: this._connections.isDemo,
    });
    this.item.text = m.text;
    // An unchanged tooltip is not sent again (an open hover stays put).
    if (this.item.tooltip !== m.tooltip) this.item.tooltip = m.tooltip;
    this.item.backgroundColor = m.background ? new vscode.ThemeColor(`statusBarItem.${m.background}Background`) : undefined;
    const label = m.text.replace(/\$\([a-z-]+(~[a-z]+)?\)\s*/g, '');
    // Unchanged text → no write: the item (and an open tooltip) stays put.
    if (this.item.accessibilityInformation?.label !== label) this.item.accessibilityInformation = { label };
  }
}
