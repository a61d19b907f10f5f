import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../../core/util/logger';

/**
 * "Try the Demo": runs the bundled bridge (dist/bridge.js, shipped in the .vsix) in demo mode on a free
 * loopback port, as a child of the extension host, for as long as the extension runs.
 */
export class DemoBridge implements vscode.Disposable {
  private _child: ChildProcess | undefined;
  private _url: string | undefined;

  constructor(
    private readonly _extensionUri: vscode.Uri,
    private readonly _storageUri: vscode.Uri,
    private readonly _logger: Logger,
  ) {}

  get url(): string | undefined {
    return this._url;
  }

  async start(): Promise<string> {
    if (this._url && this._child && this._child.exitCode === null) return this._url;
    const script = vscode.Uri.joinPath(this._extensionUri, 'dist', 'bridge.js').fsPath;
    if (!fs.existsSync(script)) throw new Error(vscode.l10n.t('The demo bridge is missing from this installation (dist/bridge.js). Reinstall the extension.'));
    const workspace = vscode.Uri.joinPath(this._storageUri, 'demo-workspace').fsPath;
    fs.mkdirSync(this._storageUri.fsPath, { recursive: true });
    // In desktop VS Code execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node for the child.
    const child = fork(script, ['--demo', '--port', '0', '--demo-workspace', workspace], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
      silent: true,
    });
    this._child = child;
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(vscode.l10n.t('The demo alert source did not start within 30 s. See the On Call log.'))), 30000);
      child.stderr?.on('data', (d: Buffer) => {
        const s = d.toString();
        stderr = (stderr + s).slice(-4000);
        for (const line of s.split('\n')) if (line.trim()) this._logger.debug(`[demo bridge] ${line.trim()}`);
      });
      child.stdout?.on('data', (d: Buffer) => {
        const m = /oncall-bridge listening (ws:\/\/\S+)/.exec(d.toString());
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        this._url = undefined;
        reject(new Error(vscode.l10n.t('The demo alert source exited (code {0}). {1}', code ?? 'none', stderr.split('\n').slice(-3).join(' '))));
      });
    });
    this._url = url;
    this._logger.info(`demo alert source running on ${url} (workspace ${workspace})`);
    return url;
  }

  get workspacePath(): string {
    return vscode.Uri.joinPath(this._storageUri, 'demo-workspace').fsPath;
  }

  dispose(): void {
    if (this._child && this._child.exitCode === null) this._child.kill('SIGTERM');
    this._child = undefined;
    this._url = undefined;
  }
}
