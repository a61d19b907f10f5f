import type * as vscode from 'vscode';
import type { Clock } from '../core/util/clock';
import type { Logger } from '../core/util/logger';
import type { Config } from './config';
import type { ContextKeys } from './contextKeys';
import type { IdentityService } from './identity';
import type { Secrets } from './secrets';

/** Where this extension may keep files, and its own install folder. */
export interface ExtensionPaths {
  readonly extensionUri: vscode.Uri;
  readonly extensionPath: string;
  readonly globalStorageUri: vscode.Uri;
  /** Workspace storage when there is a workspace, else global storage (fsPath). */
  readonly storagePath: string;
}

/**
 * The part of the `HostContext` that exists before the connection: what the connection and the iCal feeds
 * are built from (a separate type so that they need not import the context that holds them).
 */
export interface HostServices {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly keys: ContextKeys;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly identity: IdentityService;
  readonly paths: ExtensionPaths;
  /** Raw SecretStorage, for secrets that are not a source token (iCal feed URLs). */
  readonly secretStorage: vscode.SecretStorage;
  readonly environmentVariableCollection: vscode.GlobalEnvironmentVariableCollection;
  /** The user's zone: the oncall.timeZone setting when valid, else this machine's. */
  readonly timeZone: string;
}
