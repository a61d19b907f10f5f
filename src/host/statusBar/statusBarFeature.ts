import * as vscode from 'vscode';
import type { Alert } from '../../core/protocol/types';
import type { Clock } from '../../core/util/clock';
import { Throttle } from '../../core/util/throttle';
import { statusBarModel, type ConnectionPhase, type StatusInput } from '../../core/viewModel/statusBarModel';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Views } from '../constants';
import { Disposable, DisposableStore, toDisposable } from '../../core/util/disposable';

export interface StatusBarSources {
  myStatus(): StatusInput['onCall'];
  watching(): StatusInput['watching'];
  timeZone(): string;
}

/** The one status bar item: "$(bell) On call until Mon 09:00 · 2 firing". Click focuses the Alerts view. */
export class StatusBarFeature extends Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly _connScope = this._register(new DisposableStore());
  /** Store and on-call changes: shown at once when isolated, at most 10 times a second in a storm. */
  private readonly _throttle = this._register(new Throttle(() => this.update(), 100));

  constructor(
    private readonly _connections: ConnectionFeature,
    private readonly _clock: Clock,
    private readonly _sources: StatusBarSources,
  ) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('oncall.status', vscode.StatusBarAlignment.Left, 100));
    this.item.name = vscode.l10n.t('On Call');
    this.item.command = `${Views.alerts}.focus`;
    this._register(_connections.onDidChangeConnection(() => this._follow()));
    this._register(_connections.onDidChangeState(() => this.update()));
    // Shift ends and countdowns move with time, not only with events.
    const t = setInterval(() => this.update(), 15_000);
    this._register(toDisposable(() => clearInterval(t)));
    // "retrying in 8 s" counts down while disconnected (cheap: one item, only while not connected).
    const retry = setInterval(() => {
      const st = this._connections.connection?.state;
      if (st && st.state !== 'connected' && st.retryAt !== undefined) this.update();
    }, 1000);
    this._register(toDisposable(() => clearInterval(retry)));
    this._follow();
    this.item.show();
  }

  private _follow(): void {
    this._connScope.clear();
    const c = this._connections.connection;
    if (c) {
      this._connScope.add(c.store.onDidChange(() => this._throttle.schedule()));
      this._connScope.add(c.onDidChangeOnCall(() => this._throttle.schedule()));
    }
    this.update();
  }

  update(): void {
    const c = this._connections.connection;
    const state = c?.state;
    let phase: ConnectionPhase = 'unconfigured';
    if (this._connections.url) {
      phase = !state || state.state === 'connecting' ? 'connecting' : state.state === 'connected' ? 'connected' : 'disconnected';
    }
    const now = this._clock.now();
    const firing: Alert[] = c ? [...c.store.values()].filter((a) => a.status === 'triggered') : [];
    const m = statusBarModel({
      now,
      timeZone: this._sources.timeZone(),
      connection: phase,
      ...(state?.retryAt !== undefined ? { retryInSec: Math.max(0, Math.ceil((state.retryAt - now) / 1000)) } : {}),
      ...(this._connections.disconnectedSince !== undefined ? { disconnectedSince: this._connections.disconnectedSince } : {}),
      ...(phase !== 'connected' && state?.lastError ? { lastError: state.lastError } : {}),
      onCall: phase === 'unconfigured' ? undefined : this._sources.myStatus(),
      firing,
      watching: this._sources.watching(),
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
