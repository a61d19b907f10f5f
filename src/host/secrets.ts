import * as vscode from 'vscode';
import { Emitter, type Event } from '../core/util/event';
import type { Logger } from '../core/util/logger';
import { Disposable } from '../core/util/disposable';

/**
 * Tokens live only in SecretStorage (the OS keychain), one per alert-source URL origin. Failures are logged
 * without the secret; other windows pick up changes through onDidChange.
 */
export class Secrets extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<string>());
  /** Fires with the changed key (see keyFor). */
  readonly onDidChange: Event<string> = this._onDidChange.event;

  constructor(
    private readonly _storage: vscode.SecretStorage,
    private readonly _logger: Logger,
  ) {
    super();
    this._register(
      _storage.onDidChange((e) => {
        if (e.key.startsWith('oncall.token:')) this._onDidChange.fire(e.key);
      }),
    );
  }

  static keyFor(serverUrl: string): string {
    try {
      const u = new URL(serverUrl);
      return `oncall.token:${u.protocol}//${u.host}`;
    } catch {
      return `oncall.token:${serverUrl}`;
    }
  }

  async getToken(serverUrl: string): Promise<string | undefined> {
    try {
      return (await this._storage.get(Secrets.keyFor(serverUrl))) || undefined;
    } catch (e) {
      this._logger.warn(`could not read the token from the keychain: ${e instanceof Error ? e.message : 'unknown error'}`);
      return undefined;
    }
  }

  async setToken(serverUrl: string, token: string | undefined): Promise<void> {
    const key = Secrets.keyFor(serverUrl);
    try {
      if (token) await this._storage.store(key, token);
      else await this._storage.delete(key);
    } catch (e) {
      this._logger.error(`could not save the token to the keychain: ${e instanceof Error ? e.message : 'unknown error'}`);
      throw new Error(vscode.l10n.t('Could not save the token to the keychain. See the On Call log for details.'), { cause: e });
    }
  }
}
