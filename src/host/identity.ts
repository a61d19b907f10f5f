import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Logger } from '../core/util/logger';
import { Emitter, type Event } from '../core/util/event';
import type { Config } from './config';
import { Disposable } from '../core/util/disposable';

const EMAIL = /^[^\s@]{1,200}@[^\s@]{1,200}$/;

/**
 * Who I am in the schedule: the `oncall.identity` setting, else `git config user.email` (read from the
 * workspace repo only when the workspace is trusted; the global git config otherwise).
 */
export class IdentityService extends Disposable {
  private _gitEmail = '';
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange: Event<void> = this._onDidChange.event;

  constructor(
    private readonly _config: Config,
    private readonly _logger: Logger,
  ) {
    super();
    this._register(_config.onDidChange((e) => e.affects('identity') && this._onDidChange.fire()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refresh()));
  }

  get value(): string {
    return this._config.value.identity || this._gitEmail;
  }

  async refresh(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const trusted = vscode.workspace.isTrusted && folder !== undefined;
    const email = await gitConfigEmail(trusted ? folder : os.homedir(), !trusted);
    if (email && !EMAIL.test(email)) {
      this._logger.warn('git config user.email does not look like an email address; ignoring it');
      return;
    }
    if (email !== this._gitEmail) {
      this._gitEmail = email;
      if (email) this._logger.info(`identity from git config: ${email}`);
      this._onDidChange.fire();
    }
  }
}

function gitConfigEmail(cwd: string, globalOnly: boolean): Promise<string> {
  const args = ['config', ...(globalOnly ? ['--global'] : []), '--get', 'user.email'];
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 3000, maxBuffer: 4096, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout) => {
      resolve(err ? '' : String(stdout).trim());
    });
  });
}
