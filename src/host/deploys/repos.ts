import * as vscode from 'vscode';
import { GitRepository, repoRelativePath } from '../../core/git';
import type { Logger } from '../../core/util/logger';

/** Thrown when git work is asked for in restricted mode: git honours a repository's config, so never there. */
export class UntrustedWorkspaceError extends Error {
  constructor() {
    super(vscode.l10n.t("suspect commits, blame and diffs need a trusted workspace (git runs with the repository's config)"));
  }
}

/**
 * The git repositories of the workspace folders, opened lazily, one GitRepository (and thus one result
 * cache) per repository top level. Never opens anything in an untrusted workspace.
 */
export class Repositories {
  private readonly _byFolder = new Map<string, Promise<GitRepository>>();
  private readonly _byRoot = new Map<string, GitRepository>();

  constructor(private readonly _logger: Logger) {}

  /** The repository containing the workspace folder `folder` (fsPath). */
  open(folder: string): Promise<GitRepository> {
    if (!vscode.workspace.isTrusted) return Promise.reject(new UntrustedWorkspaceError());
    let p = this._byFolder.get(folder);
    if (p === undefined) {
      p = GitRepository.open(folder, { logger: this._logger, timeoutMs: 10_000, maxConcurrent: 2 }).then((repo) => {
        const known = this._byRoot.get(repo.root);
        if (known) return known;
        this._byRoot.set(repo.root, repo);
        return repo;
      });
      // A failure (not a repo yet, git missing) is retried next time rather than remembered forever.
      p.catch(() => this._byFolder.delete(folder));
      this._byFolder.set(folder, p);
    }
    return p;
  }

  /** The first workspace folder (file scheme) that is a repository: where tags and deploy commits are read. */
  async primary(): Promise<{ folder: string; repo: GitRepository } | undefined> {
    let lastError: Error | undefined;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      try {
        return { folder: f.uri.fsPath, repo: await this.open(f.uri.fsPath) };
      } catch (e) {
        lastError = e instanceof Error ? e : new Error(String(e));
      }
    }
    if (lastError !== undefined) throw lastError;
    return undefined;
  }

  /** An opened repository by its top level (for the document provider; never opens one). */
  byRoot(root: string): GitRepository | undefined {
    return this._byRoot.get(root);
  }

  /** Forgets everything (after trust changes or workspace folders change). */
  reset(): void {
    this._byFolder.clear();
    this._byRoot.clear();
  }
}

/** Repo-relative POSIX path of a folder-relative frame path (see core `repoRelativePath`). */
export const repoRelative = repoRelativePath;
