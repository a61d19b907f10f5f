import * as path from 'node:path';
import * as vscode from 'vscode';
import { commitWithFiles, filesBetween, sidesOf } from '../../core/viewModel/deploys/commitFiles';
import { adviceFor, shortSha } from '../../core/viewModel/deploys/text';
import { serviceCandidates } from '../../core/viewModel/deploys/repoServices';
import type { WatchingSummary } from '../../core/viewModel/deploys/watch';
import type { DeployRecord, FileChange, GitRepository } from '../../core/git';
import type { Alert } from '../../core/protocol/types';
import type { FindingsInput } from '../../core/viewModel/findings';
import type { Clock } from '../../core/util/clock';
import type { Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import type { AlertsElement } from '../alerts/alertsTreeProvider';
import type { AlertsFeature } from '../alerts/alertsFeature';
import type { HostContext } from '../context';
import { Commands, ContextKeys as Keys, Views } from '../constants';
import { Disposable, toDisposable, type IDisposable } from '../../core/util/disposable';
import type { AlertFrames } from '../stackTrace/alertFrames';
import { AlertDeployRows, type CommitTarget, type DriftTarget } from './alertRows';
import { DeploysModel } from './deploysModel';
import { DeploysTreeProvider, type DeploysElement } from './deploysTree';
import { GitDocuments } from './gitDocuments';
import { Repositories } from './repos';
import { errorText } from '../../core/util/errors';

type Notice = Extract<DeploysElement, { kind: 'info' }>;

/**
 * Issue #6: the Deploys view (the history of `DeploysModel`: deploy events merged with git tags), the
 * deploy/suspect/blame rows under each alert, commit diffs and version-drift actions, and "stick around after
 * your deploy" (status bar watch and the "started after your deploy" notification override, from the model).
 *
 * git only ever runs in a trusted workspace; in restricted mode the view shows deploy events only and the
 * alert rows say what trust would unlock.
 */
export class DeploysFeature extends Disposable {
  readonly model: DeploysModel;
  readonly provider: DeploysTreeProvider;
  readonly view: vscode.TreeView<DeploysElement>;
  readonly rows: AlertDeployRows;
  readonly documents: GitDocuments;
  private readonly _repos: Repositories;
  private readonly _log: Logger;
  /** The watch started or ended (a deploy of mine arrived, a window closed): the status bar re-reads `watching()`. */
  readonly onDidChangeWatching: Event<void>;
  private readonly _frames: AlertFrames;
  private _loading: Promise<void> | undefined;
  private _alertsRefresh: IDisposable | undefined;
  private readonly _clock: Clock;

  constructor(
    ctx: HostContext,
    private readonly _peers: {
      readonly alerts: AlertsFeature;
      /** In-app frames resolved to workspace files (the stack-trace resolution). */
      readonly frames: AlertFrames;
    },
  ) {
    super();
    this._log = tagged(ctx.logger, 'deploys');
    this._clock = ctx.clock;
    this._frames = _peers.frames;
    this._repos = new Repositories(this._log);
    this.documents = this._register(new GitDocuments((root) => this._repos.byRoot(root), this._log));
    this.model = this._register(
      new DeploysModel({
        connections: ctx.connections,
        clock: ctx.clock,
        log: this._log,
        identity: () => ctx.identity.value,
        watchMinutes: () => ctx.config.value.deployWatchMinutes,
        tagRules: () => ctx.config.value.deployTagRules, // read for the first workspace folder by Config
        isTrusted: () => vscode.workspace.isTrusted,
        readTags: (globs) =>
          Promise.resolve(vscode.window.withProgress({ location: { viewId: Views.deploys } }, async () => {
            const primary = await this._repos.primary();
            return primary && { root: primary.repo.root, tags: await primary.repo.tags(globs) };
          })),
      }),
    );
    this.onDidChangeWatching = this.model.onDidChangeWatching;
    this.provider = this._register(
      new DeploysTreeProvider(
        {
          history: () => this.model.history,
          watchingIds: () => this.model.watchingIds(),
          isMine: (r) => this.model.isMine(r),
          notices: () => this._notices(),
        },
        ctx.clock,
      ),
    );
    this.view = this._register(vscode.window.createTreeView(Views.deploys, { treeDataProvider: this.provider, showCollapseAll: false }));
    this.rows = this._register(
      new AlertDeployRows({
        repos: this._repos,
        frames: () => this._frames,
        clock: ctx.clock,
        log: this._log,
        history: () => this.model.history,
        myDeployBefore: (a) => this.model.myDeployBefore(a),
      }),
    );
    _peers.alerts.provider.addContributor(this.rows);
    // The view's welcome text says whether deploys can come from the source (hello lists "deploys") or git tags only.
    this._register(
      ctx.whileConnected((conn, scope) => {
        const update = (): void => ctx.keys.set(Keys.sourceDeploys, conn?.state.state === 'connected' && conn.state.server?.capabilities.includes('deploys') === true);
        if (conn) scope.add(conn.onDidChangeState(update));
        update();
      }),
    );
    this._register(
      this.model.onDidChangeHistory(() => {
        this.provider.refresh();
        this._scheduleAlertsRefresh();
      }),
    );
    this._register(this.model.onDidChangeWatching(() => this.provider.refresh()));

    this._register(ctx.whileConnected((conn, scope) => conn && scope.add(conn.store.onDidChange((e) => this.rows.forget(e.removed)))));
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this._log.info('workspace trusted: reading git tags');
        void this.refresh();
      }),
    );
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()));
    this._register(
      ctx.config.onDidChange((e) => {
        if (e.affects('deploys.tagPatterns')) void this.refresh();
        else if (e.affects('deploys.watchMinutes') || e.affects('identity')) this.model.watchChanged();
      }),
    );
    // Ages ("47m ago") and "watching" move with time.
    this._register(
      ctx.clock.setInterval(() => {
        if (this.view.visible && this.model.history.length > 0) this.provider.refresh();
      }, 30_000),
    );
    this._register(toDisposable(() => this._alertsRefresh?.dispose()));

    this._register(vscode.commands.registerCommand(Commands.refreshDeploys, () => this.refresh()));
    this._register(vscode.commands.registerCommand(Commands.openCommit, (arg?: unknown) => this.openCommit(arg)));
    this._register(vscode.commands.registerCommand(Commands.openAtDeployedVersion, (arg?: unknown) => this.openAtDeployedVersion(arg)));
    this._register(vscode.commands.registerCommand(Commands.compareDeployed, (arg?: unknown) => this.compareDeployed(arg)));

    void this.refresh();
  }

  /** Merged deploy history (events + tags), oldest first. */
  get history(): readonly DeployRecord[] {
    return this.model.history;
  }

  get watchMs(): number {
    return this.model.watchMs;
  }

  /** For the status bar: "Watching deploy a1b2c3d · 0 new alerts · 25 min left". */
  watching(): WatchingSummary | undefined {
    return this.model.watching();
  }

  /** For notifications: the alert started during the watch window of a deploy of mine on its service. */
  startedAfterMyDeploy(alert: Alert): boolean {
    return this.model.startedAfterMyDeploy(alert);
  }

  /** The facts "Share Findings" reports (deploy in effect, suspects, deployed sha, permalink host). */
  findingsFacts(alert: Alert, signal: AbortSignal): Promise<Omit<FindingsInput, 'alert' | 'now'>> {
    return this.rows.findingsFacts(alert, signal);
  }

  /** The first workspace folder's repository (undefined without one; rejects when untrusted or git fails). */
  async primaryRepo(): Promise<GitRepository | undefined> {
    return (await this._repos.primary())?.repo;
  }

  /** Re-reads git tags and settings, forgets cached suspects, refreshes both trees. */
  refresh(): Promise<void> {
    this.rows.reset();
    this._repos.reset();
    this._loading = this.model.loadTags().finally(() => {
      this.model.remerge();
      this._scheduleAlertsRefresh();
    });
    return this._loading;
  }

  /** Resolves when the current tag read is done (tests). */
  ready(): Promise<void> {
    return this._loading ?? Promise.resolve();
  }

  private _notices(): Notice[] {
    const p = this.model.tagProblem;
    if (!p) return [];
    if (p.kind === 'restricted') {
      return [
        {
          kind: 'info',
          id: 'restricted',
          label: vscode.l10n.t('Deploy events only: git tags need a trusted workspace'),
          description: vscode.l10n.t('Manage Workspace Trust'),
          icon: 'shield',
          command: { command: 'workbench.trust.manage', title: vscode.l10n.t('Manage Workspace Trust') },
        },
      ];
    }
    const a = p.advice;
    return [{ kind: 'info', id: 'tagError', label: vscode.l10n.t('Git tags not read: {0}', a.label), description: a.action, tooltip: `${a.label}\n${a.action}`, icon: 'warning' }];
  }

  /** Deploy in effect can change with the history: re-render expanded alerts (coalesced). */
  private _scheduleAlertsRefresh(): void {
    if (this._alertsRefresh) return;
    this._alertsRefresh = this._clock.setTimeout(() => {
      this._alertsRefresh = undefined;
      this._peers.alerts.provider.refresh();
    }, 500);
  }

  //#region commands

  private _commitTarget(arg: unknown): CommitTarget | DeployRecord | string | undefined {
    if (typeof arg === 'string') return arg;
    if (!arg || typeof arg !== 'object') {
      const sel = this.view.selection[0];
      return sel?.kind === 'deploy' ? sel.record : undefined;
    }
    const o = arg as { kind?: unknown; record?: DeployRecord; child?: object; root?: unknown; sha?: unknown };
    if (o.kind === 'deploy' && o.record) return o.record;
    if (o.kind === 'child' && o.child) return this.rows.commitTargets.get((o as Extract<AlertsElement, { kind: 'child' }>).child);
    if (typeof o.root === 'string' && typeof o.sha === 'string') return o as CommitTarget;
    return undefined;
  }

  private _driftTarget(arg: unknown): DriftTarget | undefined {
    if (!arg || typeof arg !== 'object') return undefined;
    const o = arg as { kind?: unknown; child?: object; root?: unknown; sha?: unknown; path?: unknown; line?: unknown };
    if (o.kind === 'child' && o.child) return this.rows.driftTargets.get((o as Extract<AlertsElement, { kind: 'child' }>).child);
    if (typeof o.root === 'string' && typeof o.sha === 'string' && typeof o.path === 'string' && typeof o.line === 'number') return o as DriftTarget;
    return undefined;
  }

  /**
   * The services this workspace's repository deploys (a deploy of theirs names one of its commits), newest first;
   * empty when unknown (no deploys, no repository, untrusted workspace: git needs trust).
   */
  async servicesOfWorkspace(): Promise<string[]> {
    const candidates = serviceCandidates(this.model.history);
    if (candidates.length === 0) return [];
    const unchecked = candidates.filter((c) => !c.local);
    let repo: GitRepository | undefined;
    if (unchecked.length > 0 && vscode.workspace.isTrusted) {
      try {
        repo = (await this._repos.primary())?.repo;
      } catch (e) {
        this._log.debug(`services of this repository: ${errorText(e)}`);
      }
    }
    const out: string[] = [];
    for (const c of candidates) {
      if (c.local) out.push(c.service);
      else if (repo && (await repo.commitExists(c.sha).catch(() => false))) out.push(c.service);
    }
    return out;
  }

  private async _repoOrExplain(root?: string): Promise<GitRepository | undefined> {
    if (!vscode.workspace.isTrusted) {
      const pick = await vscode.window.showInformationMessage(vscode.l10n.t('On Call: commit diffs run git, which needs a trusted workspace.'), vscode.l10n.t('Manage Workspace Trust'));
      if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const repo = root !== undefined ? this._repos.byRoot(root) : (await this._repos.primary())?.repo;
    if (!repo) void vscode.window.showWarningMessage(vscode.l10n.t('On Call: no git repository of this workspace holds that commit.'));
    return repo;
  }

  private _explain(e: unknown, sha?: string): void {
    const a = adviceFor(e, sha);
    this._log.warn(`${a.label}: ${errorText(e)}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('On Call: {0} — {1}.', a.label, a.action));
  }

  /** Opens the changes of a commit (or of a deploy's range) in the diff editor. */
  async openCommit(arg?: unknown): Promise<void> {
    const t = this._commitTarget(arg);
    if (t === undefined) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: choose a commit or deploy first.'));
      return;
    }
    let root: string | undefined;
    let sha: string;
    let from: string | undefined;
    if (typeof t === 'string') sha = t.toLowerCase();
    else if ('origin' in t) {
      sha = t.commitSha;
      from = t.previousSha;
    } else {
      root = t.root;
      sha = t.sha;
      from = t.from;
    }
    try {
      const repo = await this._repoOrExplain(root);
      if (!repo) return;
      let files: FileChange[];
      let left: string;
      let right: string;
      let title: string;
      if (from !== undefined && from !== sha) {
        [left, right] = await Promise.all([repo.resolveCommit(from), repo.resolveCommit(sha)]);
        files = await filesBetween(repo, left, right);
        title = vscode.l10n.t('Deploy {0}..{1}', shortSha(left), shortSha(right));
      } else {
        const c = await commitWithFiles(repo, sha);
        right = c.sha;
        left = c.parents[0] ?? 'empty';
        files = c.files;
        title = `${shortSha(c.sha)} ${displayText(c.subject, 80)}`;
      }
      await this._showChanges(repo.root, left, right, files, title);
    } catch (e) {
      this._explain(e, sha);
    }
  }

  private async _showChanges(root: string, left: string, right: string, files: readonly FileChange[], title: string): Promise<void> {
    if (files.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: {0} changes no files.', title));
      return;
    }
    const sides = files.map((f) => {
      const s = sidesOf(f);
      const p = s.newPath ?? s.oldPath ?? f.path;
      const original = this.documents.uri({ root, sha: s.oldPath !== undefined ? left : 'empty', path: s.oldPath ?? p });
      const modified = this.documents.uri({ root, sha: s.newPath !== undefined ? right : 'empty', path: s.newPath ?? p });
      return { file: f, label: p, original, modified };
    });
    const diffOne = (s: (typeof sides)[number]): Thenable<unknown> =>
      vscode.commands.executeCommand('vscode.diff', s.original, s.modified, `${title} — ${displayText(path.posix.basename(s.label), 120)}`, { preview: true });
    const only = sides[0];
    if (sides.length === 1 && only) {
      await diffOne(only);
      return;
    }
    // Every supported host (1.100+) has the multi-file changes editor; a QuickPick of per-file diffs is the fallback.
    try {
      await vscode.commands.executeCommand(
        'vscode.changes',
        title,
        sides.map((s) => [vscode.Uri.file(path.join(root, ...s.label.split('/'))), s.original, s.modified]),
      );
      return;
    } catch (e) {
      this._log.debug(`vscode.changes unavailable (${errorText(e)}): falling back to a file pick`);
    }
    const pick = await vscode.window.showQuickPick(
      sides.map((s) => ({ label: displayText(path.posix.basename(s.label), 120), description: `${displayText(path.posix.dirname(s.label), 200)} · ${s.file.status}`, side: s })),
      { title, placeHolder: vscode.l10n.t('{0} files changed — pick one to diff', sides.length) },
    );
    if (pick) await diffOne(pick.side);
  }

  /** The frame's file as it was deployed (read-only), at the frame's line. */
  async openAtDeployedVersion(arg?: unknown): Promise<void> {
    const t = this._driftTarget(arg);
    if (!t) return;
    const repo = await this._repoOrExplain(t.root);
    if (!repo) return;
    try {
      const uri = this.documents.uri({ root: t.root, sha: t.sha, path: t.path });
      const at = new vscode.Position(t.line - 1, 0);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(at, at), preview: true });
    } catch (e) {
      this._explain(e, t.sha);
    }
  }

  /** Deployed version ↔ working tree, with the cursor on the working-tree line that holds the frame's line. */
  async compareDeployed(arg?: unknown): Promise<void> {
    const t = this._driftTarget(arg);
    if (!t) return;
    const repo = await this._repoOrExplain(t.root);
    if (!repo) return;
    try {
      const left = this.documents.uri({ root: t.root, sha: t.sha, path: t.path });
      const right = vscode.Uri.file(path.join(t.root, ...t.workingPath.split('/')));
      const at = new vscode.Position(Math.max(0, t.workingLine - 1), 0);
      const name = displayText(path.posix.basename(t.workingPath), 120);
      await vscode.commands.executeCommand('vscode.diff', left, right, vscode.l10n.t('{0} (deployed {1}) ↔ working tree', name, shortSha(t.sha)), {
        selection: new vscode.Range(at, at),
        preview: true,
      });
    } catch (e) {
      this._explain(e, t.sha);
    }
  }

  //#endregion
}
