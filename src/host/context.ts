import * as vscode from 'vscode';
import { isValidTimeZone } from '../core/schedule/time';
import type { AlertSourceConnection } from '../core/transport/connection';
import type { Clock } from '../core/util/clock';
import { Disposable, type DisposableStore, type IDisposable } from '../core/util/disposable';
import { Config } from './config';
import { ConnectionFeature } from './connection/connectionFeature';
import { Commands, ContextKeys as Keys } from './constants';
import { ContextKeys } from './contextKeys';
import { DemoBridge } from './demo/demoBridge';
import { IdentityService } from './identity';
import type { HostLogger } from './logger';
import { ICalFeeds } from './schedule/icalFeeds';
import { Secrets } from './secrets';
import type { ExtensionPaths, HostServices } from './services';

export type { ExtensionPaths, HostServices } from './services';

/**
 * What one connection's callback gets: the connection (undefined while there is none — a view still shows
 * that state) and a scope that is disposed when the connection is replaced, the feature goes, or the
 * extension deactivates.
 */
export type WhileConnected = (conn: AlertSourceConnection | undefined, scope: DisposableStore) => void;

/**
 * The composition root's one context (like rust-analyzer's `Ctx`, GitLens's `Container`): the services every
 * feature draws on — settings, secrets, context keys, clock, logger, identity, the connection and the iCal
 * feeds, the extension's paths — and the two disposal scopes:
 * - extension lifetime: `pushExtCleanup` (disposed on deactivate, in reverse order);
 * - connection lifetime: `whileConnected((conn, scope) => …)` runs for the current connection and again for
 *   each new one; what is added to `scope` goes with that connection. `pushConnectionCleanup` adds to the
 *   current connection's scope.
 * Every feature takes `(ctx, { named peers })` and subscribes itself to what it cares about.
 */
export class HostContext extends Disposable implements HostServices {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly keys: ContextKeys;
  readonly identity: IdentityService;
  readonly connections: ConnectionFeature;
  readonly feeds: ICalFeeds;
  readonly paths: ExtensionPaths;
  /** Raw SecretStorage, for secrets that are not a source token (iCal feed URLs). */
  readonly secretStorage: vscode.SecretStorage;
  readonly environmentVariableCollection: vscode.GlobalEnvironmentVariableCollection;

  constructor(
    context: vscode.ExtensionContext,
    readonly logger: HostLogger,
    readonly clock: Clock,
  ) {
    super();
    this.paths = {
      extensionUri: context.extensionUri,
      extensionPath: context.extensionPath,
      globalStorageUri: context.globalStorageUri,
      storagePath: (context.storageUri ?? context.globalStorageUri).fsPath,
    };
    this.secretStorage = context.secrets;
    this.environmentVariableCollection = context.environmentVariableCollection;
    this.keys = new ContextKeys();
    this.config = this._register(new Config(logger));
    this.secrets = this._register(new Secrets(context.secrets, logger));
    this.identity = this._register(new IdentityService(this.config, logger));
    const demo = this._register(new DemoBridge(context.extensionUri, context.globalStorageUri, logger));
    this.connections = this._register(new ConnectionFeature(this, { demo }));
    this.feeds = this._register(new ICalFeeds(this));
    this._register(this.identity.onDidChange(() => this.keys.set(Keys.identitySet, this.identity.value.length > 0)));
    this._register(vscode.commands.registerCommand(Commands.showLogs, () => logger.show()));
    this.keys.set(Keys.identitySet, this.identity.value.length > 0);
  }

  /**
   * The user's zone: the oncall.timeZone setting when valid, else this machine's. Read for every alert row the
   * tree draws, so it is cached: asking Intl for the machine's zone builds a DateTimeFormat, which the bench
   * measured at 2.1 s of a 100k-alert storm. The machine's zone is asked again after a minute (a laptop travels).
   */
  get timeZone(): string {
    const z = this.config.value.timeZone;
    const now = this.clock.now();
    const c = this._zone;
    if (c && c.setting === z && now - c.at < 60_000) return c.zone;
    const zone = z && isValidTimeZone(z) ? z : Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    this._zone = { setting: z, zone, at: now };
    return zone;
  }

  private _zone: { setting: string | undefined; zone: string; at: number } | undefined;

  /** Extension lifetime: disposed when the extension deactivates (in reverse order of registration). */
  pushExtCleanup<T extends IDisposable>(d: T): T {
    return this._register(d);
  }

  /** Connection lifetime: disposed when the current connection is replaced (or at once when there is none). */
  pushConnectionCleanup<T extends IDisposable>(d: T): T {
    return this.connections.pushConnectionCleanup(d);
  }

  /** See `WhileConnected`. The returned disposable ends the subscription and disposes the current scope. */
  whileConnected(fn: WhileConnected): IDisposable {
    return this.connections.whileConnected(fn);
  }

  /** First reads: git identity, then the connection. */
  start(): void {
    void this.identity.refresh();
    void this.connections.rebuild();
  }
}
