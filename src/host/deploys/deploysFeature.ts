import * as path from 'node:path';
import * as vscode from 'vscode';
import { commitWithFiles, filesBetween, sidesOf } from '../../core/deployView/commitFiles';
import { adviceFor, shortSha } from '../../core/deployView/text';
import { isMyDeploy, myDeployBefore, nextWindowEnd, openWatchWindows, watchingSummary, type WatchingSummary } from '../../core/deployView/watch';
import { DEFAULT_TAG_PATTERNS, compileTagRules, mergeDeploys, type CompiledTagRule, type DeployRecord, type FileChange, type GitRepository, type TagInfo } from '../../core/git';
import type { Alert, Deploy } from '../../core/protocol/types';
import type { AlertSourceConnection } from '../../core/transport/connection';
import type { Clock } from '../../core/util/clock';
import type { IDisposable } from '../../core/util/disposable';
import { Emitter, type Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import type { AlertsElement } from '../alerts/alertsTreeProvider';
import type { AlertsFeature } from '../alerts/alertsFeature';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, ConfigSection, Views } from '../constants';
import { Disposable, DisposableStore, toDisposable } from '../../core/util/disposable';
import type { AlertFrames } from '../stackTrace/alertFrames';
import { AlertDeployRows, type CommitTarget, type DriftTarget } from './alertRows';
import { DeploysTreeProvider, type DeploysElement } from './deploysTree';
import { GitDocuments } from './gitDocuments';
import { Repositories } from './repos';
import { errorText } from '../../core/util/errors';

export interface DeploysFeatureOptions {
  connections: ConnectionFeature;
  alerts: AlertsFeature;
  /** In-app frames resolved to workspace files (the stack-trace feature). */
  frames: AlertFrames;
  clock: Clock;
  logger: Logger;
  /** Who I am (oncall.identity or git user.email): deploys by me are watched. */
  identity: () => string;
}

type Notice = Extract<DeploysElement, { kind: 'info' }>;

const DEFAULT_WATCH_MINUTES = 30;

/**
 * Issue #6: the Deploys view (deploy events merged with git tags), the deploy/suspect/blame rows under each
 * alert, commit diffs and version-drift actions, and "stick around after your deploy" (status bar watch
 * and the "started after your deploy" notification override).
 *
 * git only ever runs in a trusted workspace; in restricted mode the view shows deploy events only and the
 * alert rows say what trust would unlock.
 */
export class DeploysFeature extends Disposable {
  readonly provider: DeploysTreeProvider;
  readonly view: vscode.TreeView<DeploysElement>;
  readonly rows: AlertDeployRows;
  readonly documents: GitDocuments;
  private readonly _repos: Repositories;
  private readonly _log: Logger;
  private readonly _connScope = this._register(new DisposableStore());
  private readonly _onDidChangeWatching = this._register(new Emitter<void>());
  /** The watch started or ended (a deploy of mine arrived, a window closed): the status bar re-reads `watching()`. */
  readonly onDidChangeWatching: Event<void> = this._onDidChangeWatching.event;
  private readonly _frames: AlertFrames;
  private _tags: { root: string; tags: TagInfo[] } | undefined;
  private _tagNotice: Notice | undefined;
  private _rules: CompiledTagRule[] = [];
  private _history: DeployRecord[] = [];
  private _loading: Promise<void> | undefined;
  private _watchTimer: IDisposable | undefined;
  private _alertsRefresh: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly _o: DeploysFeatureOptions) {
    super();
    this._log = tagged(_o.logger, 'deploys');
    this._frames = _o.frames;
    this._repos = new Repositories(this._log);
    this.documents = this._register(new GitDocuments((root) => this._repos.byRoot(root), this._log));
    this.provider = this._register(
      new DeploysTreeProvider(
        {
          history: () => this._history,
          watchingIds: () => new Set(openWatchWindows(this._events(), this._o.identity(), this._o.clock.now(), this.watchMs).map((w) => w.deploy.id)),
          isMine: (r) => r.origin !== 'tag' && r.author !== undefined && isMyDeploy({ author: r.author }, this._o.identity()),
          notices: () => this._notices(),
        },
        _o.clock,
      ),
    );
    this.view = this._register(vscode.window.createTreeView(Views.deploys, { treeDataProvider: this.provider, showCollapseAll: false }));
    this.rows = this._register(
      new AlertDeployRows({
        repos: this._repos,
        frames: () => this._frames,
        clock: _o.clock,
        log: this._log,
        history: () => this._history,
        myDeployBefore: (a) => {
          const w = myDeployBefore(a, this._events(), this._o.identity(), this.watchMs);
          return w && { sha: w.deploy.commitSha, minutesAfter: Math.max(0, Math.round((Date.parse(a.startedAt) - w.start) / 60_000)) };
        },
      }),
    );
    _o.alerts.provider.addContributor(this.rows);

    this._register(_o.connections.onDidChangeConnection(() => this._follow()));
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this._log.info('workspace trusted: reading git tags');
        void this.refresh();
      }),
    );
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${ConfigSection}.deploys.tagPatterns`)) void this.refresh();
        else if (e.affectsConfiguration(`${ConfigSection}.deploys.watchMinutes`) || e.affectsConfiguration(`${ConfigSection}.identity`)) this._watchChanged();
      }),
    );
    // Ages ("47m ago") and "watching" move with time.
    const tick = setInterval(() => {
      if (this.view.visible && this._history.length > 0) this.provider.refresh();
    }, 30_000);
    this._register(toDisposable(() => clearInterval(tick)));
    this._register(toDisposable(() => this._watchTimer?.dispose()));
    this._register(toDisposable(() => this._alertsRefresh && clearTimeout(this._alertsRefresh)));

    this._register(vscode.commands.registerCommand(Commands.refreshDeploys, () => this.refresh()));
    this._register(vscode.commands.registerCommand(Commands.openCommit, (arg?: unknown) => this.openCommit(arg)));
    this._register(vscode.commands.registerCommand(Commands.openAtDeployedVersion, (arg?: unknown) => this.openAtDeployedVersion(arg)));
    this._register(vscode.commands.registerCommand(Commands.compareDeployed, (arg?: unknown) => this.compareDeployed(arg)));

    this._follow();
    void this.refresh();
  }

  /** Merged deploy history (events + tags), oldest first. */
  get history(): readonly DeployRecord[] {
    return this._history;
  }

  get watchMs(): number {
    const v = vscode.workspace.getConfiguration(ConfigSection).get<unknown>('deploys.watchMinutes');
    const min = typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1440 ? v : DEFAULT_WATCH_MINUTES;
    return min * 60_000;
  }

  /** For the status bar: "Watching deploy a1b2c3d · 0 new alerts · 25 min left". */
  watching(): WatchingSummary | undefined {
    const conn = this._o.connections.connection;
    if (!conn) return undefined;
    return watchingSummary(conn.deploys, conn.store.values(), this._o.identity(), this._o.clock.now(), this.watchMs);
  }

  /** For notifications: the alert started during the watch window of a deploy of mine on its service. */
  startedAfterMyDeploy(alert: Alert): boolean {
    return myDeployBefore(alert, this._events(), this._o.identity(), this.watchMs) !== undefined;
  }

  /** Re-reads git tags and settings, forgets cached suspects, refreshes both trees. */
  refresh(): Promise<void> {
    this.rows.reset();
    this._repos.reset();
    this._loading = this._loadTags().finally(() => {
      this._remerge();
      this._scheduleAlertsRefresh();
    });
    return this._loading;
  }

  /** Resolves when the current tag read is done (tests). */
  ready(): Promise<void> {
    return this._loading ?? Promise.resolve();
  }

  //#region sources

  private _events(): readonly Deploy[] {
    return this._o.connections.connection?.deploys ?? [];
  }

  private _follow(): void {
    this._connScope.clear();
    const conn: AlertSourceConnection | undefined = this._o.connections.connection;
    if (conn) {
      this._connScope.add(conn.onDidChangeDeploys(() => this._remerge()));
      this._connScope.add(conn.store.onDidChange((e) => this.rows.forget(e.removed)));
    }
    this._remerge();
  }

  private _readRules(): { rules: CompiledTagRule[]; problems: string[] } {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const raw = vscode.workspace.getConfiguration(ConfigSection, folder).get<unknown>('deploys.tagPatterns');
    const globs = Array.isArray(raw) ? raw : DEFAULT_TAG_PATTERNS;
    const problems: string[] = [];
    if (!Array.isArray(raw) && raw !== undefined) problems.push('oncall.deploys.tagPatterns must be a list of globs; using the defaults');
    const rules: CompiledTagRule[] = [];
    for (const g of globs.slice(0, 50)) {
      try {
        rules.push(...compileTagRules([{ glob: g as string }]));
      } catch (e) {
        problems.push(errorText(e));
      }
    }
    return { rules, problems };
  }

  private async _loadTags(): Promise<void> {
    const { rules, problems } = this._readRules();
    this._rules = rules;
    for (const p of problems) this._log.warn(`tag patterns: ${p}`);
    this._tags = undefined;
    this._tagNotice = undefined;
    if (!vscode.workspace.isTrusted) {
      this._tagNotice = {
        kind: 'info',
        id: 'restricted',
        label: vscode.l10n.t('Deploy events only: git tags need a trusted workspace'),
        description: vscode.l10n.t('Manage Workspace Trust'),
        icon: 'shield',
        command: { command: 'workbench.trust.manage', title: vscode.l10n.t('Manage Workspace Trust') },
      };
      return;
    }
    if (rules.length === 0) return;
    await vscode.window.withProgress({ location: { viewId: Views.deploys } }, async () => {
      try {
        const primary = await this._repos.primary();
        if (!primary) return;
        const tags = await primary.repo.tags(rules.map((r) => r.glob));
        this._tags = { root: primary.repo.root, tags };
        this._log.info(`read ${tags.length} deploy tag(s) from ${primary.repo.root}`);
      } catch (e) {
        const a = adviceFor(e);
        this._log.warn(`could not read git tags: ${errorText(e)}`);
        this._tagNotice = { kind: 'info', id: 'tagError', label: vscode.l10n.t('Git tags not read: {0}', a.label), description: a.action, tooltip: `${a.label}\n${a.action}`, icon: 'warning' };
      }
    });
  }

  private _remerge(): void {
    const events = this._events();
    try {
      this._history = mergeDeploys(events, this._tags?.tags ?? [], this._rules.length > 0 ? this._rules : compileTagRules([]));
    } catch (e) {
      this._log.warn(`could not merge deploys: ${errorText(e)}`);
      this._history = mergeDeploys(events, []);
    }
    this.provider.refresh();
    this._watchChanged();
    this._scheduleAlertsRefresh();
  }

  private _notices(): Notice[] {
    return this._tagNotice ? [this._tagNotice] : [];
  }

  /** Deploy in effect can change with the history: re-render expanded alerts (coalesced). */
  private _scheduleAlertsRefresh(): void {
    if (this._alertsRefresh) return;
    this._alertsRefresh = setTimeout(() => {
      this._alertsRefresh = undefined;
      this._o.alerts.provider.refresh();
    }, 500);
  }

  private _watchChanged(): void {
    this._watchTimer?.dispose();
    this._watchTimer = undefined;
    const now = this._o.clock.now();
    const end = nextWindowEnd(this._events(), this._o.identity(), now, this.watchMs);
    if (end !== undefined) {
      this._watchTimer = this._o.clock.setTimeout(() => this._watchChanged(), Math.max(1000, end - now + 50));
    }
    this.provider.refresh();
    this._onDidChangeWatching.fire();
  }

  //#endregion

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
