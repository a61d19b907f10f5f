import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  adviceFor,
  deployInEffectText,
  fetchAdvice,
  frameText,
  shortSha,
  suspectText,
  suspectsHeaderText,
  type Advice,
  type FrameDrift,
  type RowText,
} from '../../core/viewModel/deploys/text';
import {
  GitError,
  WORKING_TREE,
  completeFrameBlames,
  deployInEffect,
  findSuspects,
  isSha,
  mapPositionForward,
  parseRemoteUrl,
  suspectsForTrace,
  type DeployInEffect,
  type DeployRecord,
  type GitRepository,
  type SuspectFrameInput,
  type SuspectReport,
  type TraceSuspectOptions,
} from '../../core/git';
import type { Alert } from '../../core/protocol/types';
import type { FindingsInput } from '../../core/viewModel/findings';
import type { Clock } from '../../core/util/clock';
import type { Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import type { AlertChild, AlertChildrenContributor } from '../alerts/alertChildren';
import { Commands, Views } from '../constants';
import { Disposable, toDisposable } from '../../core/util/disposable';
import type { AlertFrames } from '../stackTrace/alertFrames';
import { Repositories, UntrustedWorkspaceError, repoRelative } from './repos';
import { errorText } from '../../core/util/errors';

/** What "Open Commit Changes" opens: one commit, or a deploy's range `from..sha`. */
export interface CommitTarget {
  root: string;
  sha: string;
  from?: string;
}

/** A frame whose file differs between the deployed commit and the working tree. */
export interface DriftTarget {
  root: string;
  /** Full sha of the deployed version. */
  sha: string;
  /** Repo-relative path and 1-based line in the deployed version. */
  path: string;
  line: number;
  /** Where that line is in the working tree. */
  workingPath: string;
  workingLine: number;
}

export interface AlertRowsContext {
  readonly repos: Repositories;
  readonly frames: () => AlertFrames;
  readonly clock: Clock;
  readonly log: Logger;
  /** Merged deploy history (events + tags). */
  history(): readonly DeployRecord[];
  /** The deploy of mine this alert started after, if any ("stick around after your deploy"). */
  myDeployBefore(alert: Alert): { sha: string; minutesAfter: number } | undefined;
}

/** Analyses kept (one per alert and deploy in effect); oldest dropped first. */
const MAX_CACHED = 100;
/** After this long, the git work also shows a cancellable notification. */
const CANCEL_OFFER_MS = 2000;

/**
 * The rows the deploys feature adds under an alert: "started after your deploy", the deploy in effect,
 * the suspect commits (ranked, with why) and the blame of each in-app frame with "changed in this
 * deploy" and version-drift actions. The git work runs only when the alert is expanded, once per alert
 * and deploy (cached), cancellable, with progress in the Alerts view.
 */
export class AlertDeployRows extends Disposable implements AlertChildrenContributor {
  readonly order = 30;
  private readonly _cache = new Map<string, Promise<AlertChild[]>>();
  private readonly _running = new Map<string, AbortController>();
  /** Commands' targets, found from the tree element an inline action passes. */
  readonly commitTargets = new WeakMap<AlertChild, CommitTarget>();
  readonly driftTargets = new WeakMap<AlertChild, DriftTarget>();
  private readonly _lineCache = new Map<string, { at: number; line: number | undefined }>();

  constructor(private readonly _ctx: AlertRowsContext) {
    super();
    this._register(toDisposable(() => this.reset()));
    // Line mappings follow the working tree: any change to a file forgets them.
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*', true, false, false));
    this._register(watcher.onDidChange(() => this._lineCache.clear()));
    this._register(watcher.onDidDelete(() => this._lineCache.clear()));
    this._register(vscode.workspace.onDidSaveTextDocument(() => this._lineCache.clear()));
  }

  /** Drops cached analyses and cancels running ones (refresh, trust granted, dispose). */
  reset(): void {
    for (const ac of this._running.values()) ac.abort();
    this._running.clear();
    this._cache.clear();
  }

  /** Cancels the git work for alerts that left the store. */
  forget(alertIds: readonly string[]): void {
    if (alertIds.length === 0) return;
    const ids = new Set(alertIds);
    for (const [key, ac] of this._running) {
      if (ids.has(keyAlertId(key))) ac.abort();
    }
    for (const key of [...this._cache.keys()]) if (ids.has(keyAlertId(key))) this._cache.delete(key);
  }

  hasChildren(): boolean {
    // The deploy in effect (or why there is none) is worth a row under every alert.
    return true;
  }

  async children(alert: Alert): Promise<AlertChild[]> {
    const rows: AlertChild[] = [];
    const mine = this._ctx.myDeployBefore(alert);
    if (mine) {
      rows.push({
        id: 'deploys:afterMyDeploy',
        label: vscode.l10n.t('Started after your deploy {0}', shortSha(mine.sha)),
        description: vscode.l10n.t('{0} min after', mine.minutesAfter),
        tooltip: plainTooltip([vscode.l10n.t('This alert started {0} minutes after your deploy of {1} ({2}).', mine.minutesAfter, displayText(alert.service, 80), shortSha(mine.sha))]),
        icon: new vscode.ThemeIcon('eye', new vscode.ThemeColor('charts.orange')),
      });
    }
    const eff = deployInEffect(alert, this._ctx.history());
    rows.push(this._deployRow(eff, alert));
    if (!vscode.workspace.isTrusted) {
      rows.push({
        id: 'deploys:restricted',
        label: vscode.l10n.t('Suspect commits need a trusted workspace'),
        description: vscode.l10n.t('git runs with the repository’s config'),
        tooltip: plainTooltip([vscode.l10n.t('Blame, suspect commits and diffs run git in this repository, which honours its config. Trust the workspace to see them.')]),
        icon: new vscode.ThemeIcon('shield'),
        command: { command: 'workbench.trust.manage', title: vscode.l10n.t('Manage Workspace Trust') },
      });
      return rows;
    }
    if ((vscode.workspace.workspaceFolders ?? []).every((f) => f.uri.scheme !== 'file')) {
      rows.push(infoRow('deploys:noFolder', vscode.l10n.t('Open the service’s repository to see suspect commits'), 'info'));
      return rows;
    }
    const key = JSON.stringify([alert.id, alert.startedAt, alert.commitSha ?? '', alert.stackTrace?.length ?? 0, eff.found ? [eff.deploy.id, eff.deploy.commitSha, eff.range?.from ?? ''] : eff.reason]);
    let analysis = this._cache.get(key);
    if (analysis === undefined) {
      analysis = this._start(key, alert, eff);
      this._cache.set(key, analysis);
      while (this._cache.size > MAX_CACHED) {
        const first = this._cache.keys().next();
        if (first.done) break;
        this._cache.delete(first.value);
      }
    }
    rows.push(...(await analysis));
    return rows;
  }

  private _deployRow(eff: DeployInEffect, alert: Alert): AlertChild {
    const t = deployInEffectText(eff, alert.startedAt);
    const row: AlertChild = { id: 'deploys:inEffect', label: t.label, tooltip: plainTooltip(t.tooltip), icon: new vscode.ThemeIcon(eff.found ? 'rocket' : 'question') };
    if (t.description) row.description = t.description;
    if (eff.found && eff.notes.length > 0) {
      row.children = eff.notes.map((n, i) => infoRow(`deploys:inEffect:note:${i}`, displayText(n, 200), 'note'));
    }
    return row;
  }

  private _start(key: string, alert: Alert, eff: DeployInEffect): Promise<AlertChild[]> {
    const ac = new AbortController();
    this._running.set(key, ac);
    const work = this._analyse(alert, eff, ac.signal);
    const title = displayText(alert.title, 60);
    void vscode.window.withProgress({ location: { viewId: Views.alerts } }, () => work.catch(() => undefined));
    // Most analyses take well under a second; a slow one (huge range, cold disk) gets a Cancel button.
    const offer = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('On Call: finding suspect commits for "{0}"…', title), cancellable: true },
        (_p, token) => {
          token.onCancellationRequested(() => ac.abort());
          return work.catch(() => undefined);
        },
      );
    }, CANCEL_OFFER_MS);
    return work
      .catch((e: unknown): AlertChild[] => {
        const cancelled = ac.signal.aborted || (e instanceof GitError && e.code === 'cancelled');
        // A cancelled or failed analysis is not remembered: expanding again (or Refresh) retries.
        this._cache.delete(key);
        if (!(e instanceof UntrustedWorkspaceError) && !cancelled) this._ctx.log.warn(`suspects for ${alert.id} failed: ${errorText(e)}`);
        const sha = eff.found ? eff.deploy.commitSha : undefined;
        return [adviceRow('deploys:error', cancelled ? adviceFor(new GitError('cancelled', 'cancelled')) : adviceFor(e, sha))];
      })
      .finally(() => {
        clearTimeout(offer);
        if (this._running.get(key) === ac) this._running.delete(key);
      });
  }


  /**
   * Where a frame's line (numbered as in the deployed commit) is in the working tree now, so "Open Source" and
   * the decoration land on the same code after local edits. Undefined when unknown (untrusted workspace, no
   * deploy sha, commit not fetched, file deleted): callers then use the frame's own line.
   */
  async workingTreeLine(alert: Alert, frame: { folder: string; path: string; line: number }): Promise<number | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const alertSha = alert.commitSha?.toLowerCase();
    const eff = deployInEffect(alert, this._ctx.history());
    const rev = alertSha !== undefined && isSha(alertSha) ? alertSha : eff.found ? eff.deploy.commitSha : undefined;
    if (rev === undefined) return undefined;
    const key = `${rev}:${frame.folder}:${frame.path}:${frame.line}`;
    const now = this._ctx.clock.now();
    const hit = this._lineCache.get(key);
    if (hit && now - hit.at < 10_000) return hit.line; // edits move lines: keep answers briefly
    let line: number | undefined;
    try {
      const repo = await this._ctx.repos.open(frame.folder);
      const p = repo ? repoRelative(repo.root, frame.folder, frame.path) : undefined;
      if (repo && p !== undefined && (await repo.commitExists(rev))) {
        const pos = mapPositionForward(await repo.diffHunks(rev, WORKING_TREE, p), frame.line);
        line = pos.fileDeleted || pos.path !== p ? undefined : pos.line;
      }
    } catch (e) {
      this._ctx.log.debug(`line mapping of ${frame.path}:${frame.line} failed: ${errorText(e)}`);
    }
    if (this._lineCache.size > 2000) this._lineCache.clear();
    this._lineCache.set(key, { at: now, line });
    return line;
  }

  /** The repository, the in-app frames inside it and the ranked suspects of an alert (undefined repo: none). */
  private async _suspects(alert: Alert, eff: DeployInEffect, signal: AbortSignal): Promise<{ repo?: GitRepository; frames: SuspectFrameInput[]; report?: SuspectReport }> {
    const rev = deployedRev(alert, eff);
    const opts: Omit<TraceSuspectOptions, 'trace' | 'resolver' | 'repo'> = { signal, now: this._ctx.clock.now() };
    if (eff.found && eff.range) opts.range = { from: eff.range.from, to: eff.range.to };
    if (rev !== undefined) opts.rev = rev;
    const why = eff.found ? eff.notes.at(-1) : eff.reason;
    if (why !== undefined) opts.rangeUnavailableReason = why;
    // The repository of the top resolved frame, else the first one of the workspace.
    const pick = async (folder: string | undefined): Promise<GitRepository | undefined> => (folder !== undefined ? this._ctx.repos.open(folder) : (await this._ctx.repos.primary())?.repo);
    const input = this._ctx.frames().traceInput(alert);
    const result = input
      ? await suspectsForTrace({ ...opts, trace: input.trace, resolver: input.resolver, repo: pick })
      : { repo: await pick(undefined), frames: [] as SuspectFrameInput[], report: undefined };
    if (signal.aborted) throw new GitError('cancelled', 'cancelled');
    const repo = result.repo;
    if (repo === undefined) return { frames: [] };
    const report = result.report ?? (await findSuspects(repo, { ...opts, frames: result.frames }));
    return { repo, frames: result.frames, report };
  }

  /**
   * What "Share Findings" says (issue 21): the deploy in effect, the suspect report, the deployed sha (full, when
   * this clone has it) and the repository's remote when it is a permalink host. Never throws: a reason instead.
   */
  async findingsFacts(alert: Alert, signal: AbortSignal): Promise<Omit<FindingsInput, 'alert' | 'now'>> {
    const eff = deployInEffect(alert, this._ctx.history());
    if (!vscode.workspace.isTrusted) return { eff, noRepoReason: 'git does not run in an untrusted workspace' };
    if ((vscode.workspace.workspaceFolders ?? []).every((f) => f.uri.scheme !== 'file')) return { eff, noRepoReason: 'the service’s repository is not open in the editor' };
    try {
      const { repo, report } = await this._suspects(alert, eff, signal);
      if (!repo || !report) return { eff, noRepoReason: 'no git repository in this workspace' };
      const out: Omit<FindingsInput, 'alert' | 'now'> = { eff, report };
      if (isSha(report.rev) && (await repo.commitExists(report.rev, { signal }))) out.deployedSha = await repo.resolveCommit(report.rev, { signal });
      let url: string | undefined;
      try {
        url = await repo.remoteUrl({ signal });
      } catch (e) {
        this._ctx.log.debug(`git remote get-url: ${errorText(e)}`);
      }
      const remote = url !== undefined ? parseRemoteUrl(url) : undefined;
      if (remote) out.remote = remote;
      return out;
    } catch (e) {
      this._ctx.log.warn(`findings for ${alert.id}: ${errorText(e)}`);
      return { eff, noRepoReason: adviceFor(e).label };
    }
  }

  private async _analyse(alert: Alert, eff: DeployInEffect, signal: AbortSignal): Promise<AlertChild[]> {
    const t0 = Date.now();
    const result = await this._suspects(alert, eff, signal);
    const repo = result.repo;
    if (repo === undefined || result.report === undefined) return [infoRow('deploys:noRepo', vscode.l10n.t('No git repository in this workspace'), 'info', vscode.l10n.t('open the service’s repository to see suspect commits'))];
    const frames = result.frames;
    const report = result.report;
    const rev = deployedRev(alert, eff);
    // The frames row shows who last changed the lines the deploy did not touch (whole-history blame).
    await completeFrameBlames(repo, report, { signal, now: this._ctx.clock.now() });

    // Which deployed commits are missing from the clone: the one thing the user can fix right here.
    const missing: string[] = [];
    for (const s of [eff.found ? eff.deploy.commitSha : undefined, eff.found ? eff.range?.from : undefined, rev]) {
      if (s !== undefined && !missing.includes(s) && !(await repo.commitExists(s, { signal }))) missing.push(s);
    }

    const rows: AlertChild[] = [];
    if (missing.length > 0) rows.push(adviceRow('deploys:fetch', fetchAdvice(missing)));
    if (frames.length === 0) {
      // Nothing to rank commits against: one plain row instead of an empty "Suspect commits" list.
      const why = alert.stackTrace
        ? vscode.l10n.t('No suspect commits: no in-app frame of the stack trace is a file of this repository')
        : vscode.l10n.t('No suspect commits: the alert has no stack trace');
      rows.push(infoRow('deploys:noFrames', why, 'info'));
      return rows;
    }
    rows.push(this._suspectsRow(repo, report));
    if (report.frames.length > 0) rows.push(await this._framesRow(repo, report, signal));
    this._ctx.log.info(`suspects for ${alert.id}: ${report.basis}, ${report.suspects.length} suspect(s), ${report.frames.length} frame(s) in ${Date.now() - t0} ms`);
    return rows;
  }

  private _suspectsRow(repo: GitRepository, report: SuspectReport): AlertChild {
    const head = suspectsHeaderText(report);
    const now = this._ctx.clock.now();
    const children: AlertChild[] = [];
    for (const s of report.suspects) {
      const t = suspectText(s, now);
      const child: AlertChild = {
        id: `deploys:suspect:${s.sha}`,
        label: t.label,
        tooltip: plainTooltip(t.tooltip),
        icon: new vscode.ThemeIcon('git-commit', s.reasons[0]?.startsWith('changed line') || s.reasons[0]?.startsWith('last changed line') ? new vscode.ThemeColor('charts.red') : undefined),
        contextValue: 'suspect:commit',
      };
      if (t.description) child.description = t.description;
      const target: CommitTarget = { root: repo.root, sha: s.sha };
      child.command = { command: Commands.openCommit, title: vscode.l10n.t('Open Commit Changes'), arguments: [target] };
      this.commitTargets.set(child, target);
      children.push(child);
    }
    if (children.length === 0) {
      const why = report.basis === 'deploy-range' ? vscode.l10n.t('No commit of the deploy touches the files in the stack trace') : vscode.l10n.t('git blame found no commit for the frame lines');
      children.push(infoRow('deploys:noSuspects', why, 'info', displayText(report.basisNote, 200)));
    }
    report.warnings.forEach((w, i) => children.push(infoRow(`deploys:warning:${i}`, displayText(w, 200), 'warning')));
    const row: AlertChild = {
      id: 'deploys:suspects',
      label: head.label,
      tooltip: plainTooltip(head.tooltip),
      icon: new vscode.ThemeIcon(report.basis === 'deploy-range' ? 'search' : 'history'),
      children,
      expanded: true,
    };
    if (head.description) row.description = head.description;
    return row;
  }

  private async _framesRow(repo: GitRepository, report: SuspectReport, signal: AbortSignal): Promise<AlertChild> {
    const deployed = isSha(report.rev) && (await repo.commitExists(report.rev, { signal })) ? report.rev : undefined;
    const children: AlertChild[] = [];
    for (const f of report.frames) {
      let drift: FrameDrift | undefined;
      let target: DriftTarget | undefined;
      if (deployed !== undefined) {
        try {
          const diff = await repo.diffHunks(deployed, WORKING_TREE, f.path, { signal });
          const pos = mapPositionForward(diff, f.line);
          drift = { drifted: diff.status !== 'unchanged', workingLine: pos.line, workingPath: pos.path, lineChanged: pos.changed, fileDeleted: pos.fileDeleted };
          if (drift.drifted) target = { root: repo.root, sha: deployed, path: f.path, line: f.line, workingPath: pos.path, workingLine: pos.line };
        } catch (e) {
          if (e instanceof GitError && e.code === 'cancelled') throw e;
          this._ctx.log.debug(`drift of ${f.path}: ${errorText(e)}`);
        }
      }
      const t: RowText = frameText(f, drift);
      const child: AlertChild = {
        id: `deploys:frame:${f.depth}`,
        label: t.label,
        tooltip: plainTooltip(t.tooltip),
        icon: new vscode.ThemeIcon(f.changedInThisDeploy === true ? 'flame' : 'debug-stackframe', f.changedInThisDeploy === true ? new vscode.ThemeColor('charts.orange') : undefined),
        contextValue: target ? 'frameBlame:drift' : 'frameBlame',
      };
      if (t.description) child.description = t.description;
      // Click: the working-tree file at the line that holds the deployed line (same code, even after edits).
      const local = drift && !drift.fileDeleted ? { p: drift.workingPath, line: drift.workingLine } : { p: f.path, line: f.line };
      if (!drift?.fileDeleted) {
        const uri = vscode.Uri.file(path.join(repo.root, ...local.p.split('/')));
        const at = Math.max(0, local.line - 1);
        child.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [uri, { selection: new vscode.Range(at, 0, at, 0), preview: true }] };
      } else if (target) {
        child.command = { command: Commands.openAtDeployedVersion, title: vscode.l10n.t('Open at Deployed Version'), arguments: [target] };
      }
      if (target) this.driftTargets.set(child, target);
      children.push(child);
    }
    const changed = report.frames.filter((f) => f.changedInThisDeploy === true).length;
    const drifted = [...children].filter((c) => this.driftTargets.has(c)).length;
    const desc = [changed > 0 ? vscode.l10n.t('{0} changed in this deploy', changed) : '', drifted > 0 ? vscode.l10n.t('{0} differ locally', drifted) : ''].filter((s) => s !== '').join(' · ');
    const row: AlertChild = {
      id: 'deploys:frames',
      label: deployed ? vscode.l10n.t('Blame of the stack frames (at {0})', shortSha(deployed)) : vscode.l10n.t('Blame of the stack frames (at HEAD)'),
      tooltip: plainTooltip([
        deployed
          ? vscode.l10n.t("Who last changed each in-app frame's line in the deployed version {0}.", deployed)
          : vscode.l10n.t('Who last changed each in-app frame’s line (the deployed version is not available, so HEAD was used).'),
      ]),
      icon: new vscode.ThemeIcon('layers'),
      children,
      expanded: true,
    };
    if (desc) row.description = desc;
    return row;
  }
}

/** The version the alert runs: its own commit sha, else the deploy in effect's. */
function deployedRev(alert: Alert, eff: DeployInEffect): string | undefined {
  const alertSha = alert.commitSha?.toLowerCase();
  return alertSha !== undefined && isSha(alertSha) ? alertSha : eff.found ? eff.deploy.commitSha : undefined;
}

function keyAlertId(key: string): string {
  try {
    const v = JSON.parse(key) as unknown[];
    return typeof v[0] === 'string' ? v[0] : '';
  } catch {
    return '';
  }
}

/** Untrusted markdown: text only, no HTML, no command links. */
export function plainTooltip(lines: readonly string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  lines.forEach((l, i) => {
    md.appendText(l);
    if (i < lines.length - 1) md.appendMarkdown('  \n');
  });
  return md;
}

function infoRow(id: string, label: string, icon: string, description?: string): AlertChild {
  const row: AlertChild = { id, label, icon: new vscode.ThemeIcon(icon) };
  if (description) {
    row.description = description;
    row.tooltip = plainTooltip([label, description]);
  }
  return row;
}

function adviceRow(id: string, a: Advice): AlertChild {
  return { id, label: a.label, description: a.action, tooltip: plainTooltip([a.label, vscode.l10n.t('What to do: {0}', a.action)]), icon: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')) };
}
