import * as vscode from 'vscode';
import { deployIcon, deployRowText, newestFirst } from '../../core/viewModel/deploys/text';
import type { DeployRecord } from '../../core/git';
import type { Clock } from '../../core/util/clock';
import { Commands } from '../constants';
import { Disposable } from '../../core/util/disposable';

export type DeploysElement =
  | { kind: 'deploy'; record: DeployRecord }
  | { kind: 'info'; id: string; label: string; description?: string; tooltip?: string; icon: string; command?: vscode.Command };

export interface DeploysTreeModel {
  /** Merged history (events + tags), any order. */
  history(): readonly DeployRecord[];
  /** Ids of deploys being watched ("stick around after your deploy"). */
  watchingIds(): ReadonlySet<string>;
  isMine(record: DeployRecord): boolean;
  /** Rows shown above the deploys (restricted mode, tag read failures). */
  notices(): Array<Extract<DeploysElement, { kind: 'info' }>>;
}

/** Upper bound on rows: the connection keeps at most 500 deploys, tags add to that. */
const MAX_ROWS = 1000;

/** The Deploys view: newest first, "service · environment" / "sha · author · age · status". */
export class DeploysTreeProvider extends Disposable implements vscode.TreeDataProvider<DeploysElement> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<DeploysElement | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(
    private readonly _model: DeploysTreeModel,
    private readonly _clock: Clock,
  ) {
    super();
  }

  refresh(): void {
    this._onDidChangeTreeData.fire(undefined);
  }

  /** Computed once per render rather than once per row. */
  private _watching: ReadonlySet<string> = new Set();

  getChildren(element?: DeploysElement): DeploysElement[] {
    if (element) return [];
    this._watching = this._model.watchingIds();
    const rows: DeploysElement[] = [...this._model.notices()];
    const history = this._model.history();
    // No deploys and nothing to say: an empty tree lets the view's welcome text explain where deploys come from.
    if (history.length === 0) return rows.length > 0 ? rows : [];
    for (const record of newestFirst(history).slice(0, MAX_ROWS)) rows.push({ kind: 'deploy', record });
    return rows;
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(element: DeploysElement): vscode.TreeItem {
    if (element.kind === 'info') {
      const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.None);
      item.id = `info:${element.id}`;
      if (element.description !== undefined) item.description = element.description;
      if (element.tooltip !== undefined) item.tooltip = element.tooltip;
      item.iconPath = new vscode.ThemeIcon(element.icon);
      if (element.command) item.command = element.command;
      item.contextValue = 'deployInfo';
      return item;
    }
    const d = element.record;
    const watching = this._watching.has(d.id);
    const mine = this._model.isMine(d);
    const text = deployRowText(d, this._clock.now(), { watching, mine });
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.id = `deploy:${d.id}`;
    item.description = text.description;
    item.iconPath = new vscode.ThemeIcon(deployIcon(d, watching), d.status === 'failed' ? new vscode.ThemeColor('charts.red') : undefined);
    const md = new vscode.MarkdownString(undefined, false);
    md.isTrusted = false;
    md.supportHtml = false;
    md.appendMarkdown('**').appendText(text.label).appendMarkdown('**\n\n');
    for (const [k, v] of text.details) md.appendMarkdown(`${k}: `).appendText(v).appendMarkdown('  \n');
    item.tooltip = md;
    item.contextValue = `deploy:commit${watching ? ':watching' : ''}`;
    item.command = { command: Commands.openCommit, title: vscode.l10n.t('Open Commit Changes'), arguments: [element] };
    item.accessibilityInformation = { label: `${text.label}, ${text.description}` };
    return item;
  }
}
