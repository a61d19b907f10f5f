import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { Emitter, type Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import { Disposable } from '../../core/util/disposable';

export interface FileChange {
  folder: string;
  added: string[];
  removed: string[];
}

const MAX_FILES = 500_000;
const EXCLUDE = '**/{node_modules,.git,dist,out,build,target,.venv,venv,__pycache__}/**';

/**
 * The list of workspace files, per folder, as workspace-relative POSIX paths: from `git ls-files` where the
 * folder is a git repo and the workspace is trusted (fast, respects .gitignore, 200k files in well under a
 * second), else `workspace.findFiles`. Kept current by a file watcher; built once, lazily, with progress.
 */
export class WorkspaceFiles extends Disposable {
  private readonly _files = new Map<string, Set<string>>();
  private _ready: Promise<void> | undefined;
  private readonly _onDidChange = this._register(new Emitter<FileChange>());
  readonly onDidChange: Event<FileChange> = this._onDidChange.event;
  private readonly _log: Logger;

  constructor(logger: Logger) {
    super();
    this._log = tagged(logger, 'files');
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*', false, true, false));
    this._register(watcher.onDidCreate((u) => this._change(u, true)));
    this._register(watcher.onDidDelete((u) => this._change(u, false)));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => (this._ready = undefined)));
  }

  /** Builds the index on first use. */
  ready(): Promise<void> {
    this._ready ??= this._build();
    return this._ready;
  }

  folders(): Array<{ folder: string; files: ReadonlySet<string> }> {
    return [...this._files].map(([folder, files]) => ({ folder, files }));
  }

  private async _build(): Promise<void> {
    const t0 = Date.now();
    this._files.clear();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      const list = (vscode.workspace.isTrusted ? await gitLsFiles(f.uri.fsPath) : undefined) ?? (await this._findFiles(f));
      this._files.set(f.uri.fsPath, new Set(list));
      this._onDidChange.fire({ folder: f.uri.fsPath, added: list, removed: [] });
    }
    const n = [...this._files.values()].reduce((s, x) => s + x.size, 0);
    this._log.info(`indexed ${n} workspace files in ${Date.now() - t0} ms`);
  }

  private async _findFiles(f: vscode.WorkspaceFolder): Promise<string[]> {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(f, '**/*'), EXCLUDE, MAX_FILES);
    return uris.map((u) => vscode.workspace.asRelativePath(u, false).split('\\').join('/'));
  }

  private _change(uri: vscode.Uri, added: boolean): void {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder || !this._files.has(folder.uri.fsPath)) return;
    const rel = vscode.workspace.asRelativePath(uri, false).split('\\').join('/');
    if (/(^|\/)(node_modules|\.git)\//.test(rel)) return;
    const set = this._files.get(folder.uri.fsPath)!;
    if (added === set.has(rel)) return;
    if (added) set.add(rel);
    else set.delete(rel);
    this._onDidChange.fire({ folder: folder.uri.fsPath, added: added ? [rel] : [], removed: added ? [] : [rel] });
  }
}

/** `git ls-files` (tracked + untracked, not ignored); undefined when the folder is not a git work tree. */
function gitLsFiles(cwd: string): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-c', 'core.quotepath=off', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { cwd, timeout: 30_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (err, stdout) => {
        if (err) return resolve(undefined);
        const files = String(stdout).split('\0').filter((s) => s.length > 0);
        resolve(files.length > MAX_FILES ? files.slice(0, MAX_FILES) : files);
      },
    );
  });
}
