import * as vscode from 'vscode';
import type { AlertSourceConnection, ConnectionStateInfo } from '../../core/transport/connection';
import { checkServerUrl } from '../../core/transport/urlPolicy';
import { createConnection } from '../../core/transport/connectionFactory';
import type { Clock } from '../../core/util/clock';
import { Emitter, type Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import { redactUrl } from '../../core/util/url';
import type { Config } from '../config';
import { Commands, ContextKeys as Keys } from '../constants';
import type { ContextKeys } from '../contextKeys';
import type { DemoBridge } from '../demo/demoBridge';
import { Disposable, DisposableStore, toDisposable, type IDisposable } from '../../core/util/disposable';
import type { IdentityService } from '../identity';
import { Secrets } from '../secrets';
import type { HostServices } from '../services';

export interface ConnectArgs {
  url?: string;
  token?: string;
}

/**
 * Owns the connection to the alert source: builds an AlertClient from the settings and the token in
 * SecretStorage, rebuilds it when either changes, and offers Connect / Sign Out / Reconnect / Try the Demo.
 * Everything that lives as long as one connection (client, its listeners) sits in `_connectionScope`.
 */
export class ConnectionFeature extends Disposable {
  private readonly _connectionScope = this._register(new DisposableStore());
  private _connection: AlertSourceConnection | undefined;
  private _demoUrl: string | undefined;
  private readonly _onDidChangeConnection = this._register(new Emitter<AlertSourceConnection | undefined>());
  /** Fires when a new connection object replaces the old one (or there is none). */
  readonly onDidChangeConnection: Event<AlertSourceConnection | undefined> = this._onDidChangeConnection.event;
  private readonly _onDidChangeState = this._register(new Emitter<ConnectionStateInfo | undefined>());
  readonly onDidChangeState: Event<ConnectionStateInfo | undefined> = this._onDidChangeState.event;
  private readonly _log: Logger;
  private _disconnectedSince: number | undefined;

  private readonly _config: Config;
  private readonly _secrets: Secrets;
  private readonly _keys: ContextKeys;
  private readonly _clock: Clock;
  private readonly _identity: IdentityService;
  private readonly _demo: DemoBridge;

  constructor(ctx: HostServices, peers: { demo: DemoBridge }) {
    super();
    this._config = ctx.config;
    this._secrets = ctx.secrets;
    this._keys = ctx.keys;
    this._clock = ctx.clock;
    this._identity = ctx.identity;
    this._demo = peers.demo;
    this._log = tagged(ctx.logger, 'connection');
    this._register(
      this._config.onDidChange((e) => {
        if (e.affects('serverUrl') || e.affects('allowInsecureConnections') || e.affects('identity') || e.affects('sourceType') || e.affects('gotify.allowDelete')) void this.rebuild();
      }),
    );
    // Only the token of the source in use: Connect stores the new URL's token before it switches the setting,
    // and rebuilding for the old URL too made two connections (and two "reconnecting in 1 s" log lines).
    this._register(this._secrets.onDidChange((key) => this.url && key === Secrets.keyFor(this.url) && void this.rebuild()));
    this._register(vscode.commands.registerCommand(Commands.connect, (args?: ConnectArgs) => this._connectCommand(args)));
    this._register(vscode.commands.registerCommand(Commands.signOut, () => this._signOut()));
    this._register(vscode.commands.registerCommand(Commands.reconnect, () => this._reconnect()));
    this._register(vscode.commands.registerCommand(Commands.startDemo, () => this._startDemo()));
  }

  get connection(): AlertSourceConnection | undefined {
    return this._connection;
  }

  /**
   * The connection scope, once for every feature: runs `fn` for the current connection (undefined while there
   * is none) and again for each new one, with a scope disposed before the next run. The returned disposable
   * ends the subscription and disposes the last scope.
   */
  whileConnected(fn: (conn: AlertSourceConnection | undefined, scope: DisposableStore) => void): IDisposable {
    const scope = new DisposableStore();
    const run = (): void => {
      scope.clear();
      fn(this._connection, scope);
    };
    const sub = this._onDidChangeConnection.event(run);
    run();
    return toDisposable(() => {
      sub.dispose();
      scope.dispose();
    });
  }

  /** Disposed with the current connection (at once when there is none). */
  pushConnectionCleanup<T extends IDisposable>(d: T): T {
    if (!this._connection) d.dispose();
    else this._connectionScope.add(d);
    return d;
  }

  get isDemo(): boolean {
    return this._demoUrl !== undefined && this.url === this._demoUrl;
  }

  /**
   * Since when the alert source is out of reach: the first failed attempt of a new connection, or the moment an
   * established one dropped. Undefined while connected or before the first attempt has ended.
   */
  get disconnectedSince(): number | undefined {
    return this._disconnectedSince;
  }

  /** The URL in use: the setting, or the in-editor demo while no setting is made. */
  get url(): string {
    return this._config.value.serverUrl || this._demoUrl || '';
  }

  /** (Re)creates the client for the current settings and token. */
  rebuild(): Promise<void> {
    this._connectionScope.clear();
    this._connection = undefined;
    this._disconnectedSince = undefined;
    const url = this.url;
    this._keys.set(Keys.configured, url.length > 0);
    this._keys.set(Keys.connected, false);
    if (!url) {
      this._onDidChangeConnection.fire(undefined);
      this._onDidChangeState.fire(undefined);
      return Promise.resolve();
    }
    const policy = checkServerUrl(url, this._config.value.allowInsecureConnections);
    if (!policy.ok) {
      this._log.error(policy.error);
      void vscode.window.showErrorMessage(`On Call: ${policy.error}`, 'Open Settings').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'oncall.serverUrl');
      });
      this._onDidChangeConnection.fire(undefined);
      this._onDidChangeState.fire({ state: 'closed', lastError: policy.error });
      return Promise.resolve();
    }
    const identity = this._identity.value;
    // ntfy/Gotify are dialled directly; the in-editor demo is always a bridge.
    const sourceType = this.isDemo ? 'bridge' : this._config.value.sourceType;
    const client = createConnection(sourceType, {
      url,
      allowDelete: this._config.value.gotifyAllowDelete,
      getToken: () => this._secrets.getToken(url),
      allowInsecure: this._config.value.allowInsecureConnections,
      ...(identity ? { actor: { name: identity, email: identity.includes('@') ? identity : undefined } } : {}),
      clock: this._clock,
      logger: this._log,
      maxResolved: this._config.value.keepResolved,
      maxResolvedAgeMs: this._config.value.keepResolvedMinutes * 60_000,
    });
    this._connectionScope.add(client);
    let everConnected = false;
    let told = false;
    this._connectionScope.add(
      client.onDidChangeState((s) => {
        this._keys.set(Keys.connected, s.state === 'connected');
        if (s.state === 'connected') {
          everConnected = true;
          told = false;
          this._disconnectedSince = undefined;
        } else if ((s.state === 'reconnecting' || s.state === 'closed') && s.lastError !== undefined) {
          this._disconnectedSince ??= this._clock.now();
          // A connect that fails is said once, as an error with the way out (a wrong URL is the usual cause);
          // later retries and drops of a connection that worked show in the status bar and the views.
          if (!everConnected && !told) {
            told = true;
            this._log.warn(`could not connect to ${redactUrl(url)}: ${s.lastError}`);
            this._tellNotConnected(url, s.lastError);
          }
        }
        this._onDidChangeState.fire(s);
      }),
    );
    this._connection = client;
    this._onDidChangeConnection.fire(client);
    this._log.info(`connecting to ${redactUrl(url)}${sourceType === 'bridge' ? '' : ` (${sourceType}, direct)`}`);
    client.connect();
    return Promise.resolve();
  }

  private _tellNotConnected(url: string, reason: string): void {
    const edit = vscode.l10n.t('Edit Connection…');
    const logs = vscode.l10n.t('Show Logs');
    void vscode.window.showErrorMessage(vscode.l10n.t('On Call: could not connect to {0}: {1}. Retrying; showing the last known state until then.', redactUrl(url), reason.replace(/\.$/, '')), edit, logs).then((a) => {
      if (a === edit) void vscode.commands.executeCommand(Commands.connect);
      if (a === logs) void vscode.commands.executeCommand(Commands.showLogs);
    });
  }

  private async _connectCommand(args?: ConnectArgs): Promise<void> {
    const current = this._config.value.serverUrl;
    const url =
      args?.url ??
      (await vscode.window.showInputBox({
        title: 'Connect to Alert Source (1/2)',
        prompt: 'WebSocket URL of the alert source or bridge',
        placeHolder: 'wss://oncall-bridge.example.com/',
        value: current || 'wss://',
        ignoreFocusOut: true,
        validateInput: (v) => {
          const r = checkServerUrl(v.trim(), this._config.value.allowInsecureConnections);
          return r.ok ? undefined : r.error;
        },
      }));
    if (url === undefined) return;
    const trimmed = url.trim();
    const policy = checkServerUrl(trimmed, this._config.value.allowInsecureConnections);
    if (!policy.ok) throw new Error(policy.error);
    const token =
      args?.token ??
      (await vscode.window.showInputBox({
        title: 'Connect to Alert Source (2/2)',
        prompt: 'Access token (stored in your OS keychain, never in settings). Leave empty if the source needs none.',
        password: true,
        ignoreFocusOut: true,
      }));
    if (token === undefined) return;
    await this._secrets.setToken(trimmed, token.trim() || undefined);
    if (trimmed === this._config.value.serverUrl) await this.rebuild();
    else await this._config.update('serverUrl', trimmed, this._config.definedAt('serverUrl')); // rebuild follows from the configuration change
    this._log.info(`alert source set to ${redactUrl(trimmed)}`);
  }

  private async _signOut(): Promise<void> {
    const url = this.url;
    if (url) await this._secrets.setToken(url, undefined);
    this._demoUrl = undefined;
    this._demo.dispose();
    if (this._config.value.serverUrl) await this._config.update('serverUrl', undefined, this._config.definedAt('serverUrl'));
    await this.rebuild();
    this._log.info('signed out: token removed from the keychain');
    void vscode.window.showInformationMessage('On Call: signed out. The token was removed from your keychain.');
  }

  private async _reconnect(): Promise<void> {
    await this.rebuild();
  }

  private async _startDemo(): Promise<void> {
    const url = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'On Call: starting the demo alert source…' },
      () => this._demo.start(),
    );
    this._demoUrl = url;
    if (this._config.value.serverUrl && this._config.value.serverUrl !== url) {
      this._log.info(`the demo runs on ${url}; your configured source ${redactUrl(this._config.value.serverUrl)} stays set`);
      void vscode.window.showInformationMessage(`On Call: the demo is running on ${url}. Your own alert source is still configured; clear oncall.serverUrl to use the demo.`);
      return;
    }
    await this.rebuild();
  }
}
