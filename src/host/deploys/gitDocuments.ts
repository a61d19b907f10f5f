import * as vscode from 'vscode';
import { GIT_DOC_SCHEME, decodeGitDocRef, encodeGitDocRef, gitDocKey, type GitDocRef } from '../../core/viewModel/deploys/gitDocRef';
import type { GitRepository } from '../../core/git';
import type { Logger } from '../../core/util/logger';
import { Disposable } from '../../core/util/disposable';
import { errorText } from '../../core/util/errors';

/** Most (root, sha, path) triples remembered as offered; oldest forgotten first. */
const MAX_OFFERED = 5000;

/**
 * Read-only documents "file at commit" for the diff editors and "Open at deployed version".
 *
 * Only serves what this feature offered (files of a commit or range it listed, frame files it mapped), in
 * a repository it opened, in a trusted workspace: a URI is text anyone can craft, so reading re-validates
 * it (see gitDocRef.ts) and checks it against that allow-list. After a window reload a restored editor
 * says how to reopen it instead of running git on an unknown request.
 */
export class GitDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly _offered = new Set<string>();

  constructor(
    private readonly _repoFor: (root: string) => GitRepository | undefined,
    private readonly _log: Logger,
  ) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(GIT_DOC_SCHEME, this));
  }

  /** A URI for the file at `sha` (or `'empty'`), remembered as offered. */
  uri(ref: GitDocRef): vscode.Uri {
    const key = gitDocKey(ref);
    this._offered.delete(key);
    this._offered.add(key);
    if (this._offered.size > MAX_OFFERED) {
      const first = this._offered.values().next();
      if (!first.done) this._offered.delete(first.value);
    }
    const { path, query } = encodeGitDocRef(ref);
    return vscode.Uri.from({ scheme: GIT_DOC_SCHEME, path, query });
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    let ref: GitDocRef;
    try {
      ref = decodeGitDocRef(uri.path, uri.query);
    } catch (e) {
      this._log.warn(`refused git document: ${errorText(e)}`);
      throw e;
    }
    if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('Reading files from git needs a trusted workspace.'));
    if (!this._offered.has(gitDocKey(ref))) {
      throw new Error(vscode.l10n.t('This git document is no longer available: reopen it from the On Call views (Deploys, or the rows under an alert).'));
    }
    if (ref.sha === 'empty') return '';
    const repo = this._repoFor(ref.root);
    if (repo === undefined) throw new Error(vscode.l10n.t('This git document belongs to a repository that is not open in this window.'));
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      const file = await repo.showFileAt(ref.sha, ref.path, { signal: ac.signal });
      if (file.binary) return vscode.l10n.t('(binary file, {0} bytes — not shown)', file.size);
      return file.content;
    } finally {
      sub.dispose();
    }
  }
}
