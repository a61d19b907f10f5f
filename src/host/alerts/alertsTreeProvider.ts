import * as vscode from 'vscode';
import type { Alert, Severity } from '../../core/protocol/types';
import { displayBlock, displayText, isSafeExternalUrl } from '../../core/util/text';
import type { Clock } from '../../core/util/clock';
import { Disposable } from '../../core/util/disposable';
import type { GroupBy } from '../config';
import type { AlertGroup, AlertsModel } from './alertsModel';
import { Commands } from '../constants';
import { escalationText, formatAge } from '../../core/alerts/format';
import { titleWithoutService } from '../../core/alerts/format';
import { matchesIdentity } from '../../core/schedule/identity';
import type { AlertChild, AlertChildrenContributor } from './alertChildren';
import { formatUntil, snoozedUntil } from '../../core/viewModel/responder';
import { errorText } from '../../core/util/errors';

export type AlertsElement =
  | { kind: 'group'; key: string }
  | { kind: 'alert'; id: string; groupKey: string }
  | { kind: 'more'; groupKey: string; hidden: number }
  /** The source holds more open alerts than it sends (its open-alert limit): says how many, last at the root. */
  | { kind: 'omitted'; count: number }
  | { kind: 'child'; alertId: string; child: AlertChild; parent: AlertsElement };

/** A distinct shape per severity (not only a colour): critical ⊗, high 🔥, warning △, info ⓘ. */
export const SEVERITY_ICON: Record<Severity, [string, string]> = {
  critical: ['error', 'charts.red'],
  high: ['flame', 'charts.orange'],
  warning: ['warning', 'charts.yellow'],
  info: ['info', 'charts.blue'],
};

/**
 * Alerts grouped by service/severity/status. Tree elements are plain data (built into TreeItems in
 * getTreeItem) and cached by id so single items can be refreshed. No cap on the number of alerts: each
 * group shows `pageSize` and a "Show more" row.
 */
export class AlertsTreeProvider extends Disposable implements vscode.TreeDataProvider<AlertsElement> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<AlertsElement | AlertsElement[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  private _groups: readonly AlertGroup[] = [];
  private _groupByKey = new Map<string, AlertGroup>();
  private readonly _limits = new Map<string, number>();
  private readonly _elements = new Map<string, AlertsElement>();
  /** Alert elements handed out since the last full refresh (the only ones the tree can be showing). */
  private readonly _shown = new Map<string, AlertsElement>();
  private readonly _contributors: AlertChildrenContributor[] = [];
  /** Rows under alerts by alert id + child-id path (see `_childElement`); forgotten with their alert. */
  private readonly _children = new Map<string, Extract<AlertsElement, { kind: 'child' }>>();
  private readonly _childKeys = new WeakMap<AlertsElement, string>();
  /** What each alert row last showed (label + description): the tick refreshes only rows whose text changed. */
  private readonly _rendered = new Map<string, string>();

  constructor(
    private readonly _model: AlertsModel,
    private readonly _clock: Clock,
    private _groupBy: GroupBy,
    private _pageSize: number,
    private readonly _identity: () => string = () => '',
    /** The user's zone, for "snoozed until 14:30". */
    private readonly _timeZone: () => string = () => 'UTC',
  ) {
    super();
    this._rebuild();
  }

  /** Features add rows under alerts (stack, suspects, deploy). */
  addContributor(c: AlertChildrenContributor): void {
    this._contributors.push(c);
    this._contributors.sort((a, b) => a.order - b.order);
    this.refresh();
  }

  setGroupBy(groupBy: GroupBy): void {
    if (groupBy === this._groupBy) return;
    this._groupBy = groupBy;
    this._limits.clear();
    this.refresh();
  }

  setPageSize(n: number): void {
    this._pageSize = n;
    this.refresh();
  }

  /** Full refresh after the store changed (debounced by the caller). */
  refresh(): void {
    this._rebuild();
    this._onDidChangeTreeData.fire(undefined);
  }

  /**
   * Re-renders the alert rows on screen whose visible text (age, escalation countdown) has changed since they
   * were drawn — called every second. Rows that did not change are left alone, so a hover's tooltip settles.
   */
  tick(): AlertsElement[] {
    const now = this._clock.now();
    const changed: AlertsElement[] = [];
    for (const e of this._shown.values()) {
      if (e.kind !== 'alert') continue;
      const a = this._model.get(e.id);
      if (!a || a.status === 'resolved') continue;
      if (this._rendered.get(a.id) !== this._rowText(a, now)) changed.push(e);
      if (changed.length >= 500) break;
    }
    if (changed.length > 0) this._onDidChangeTreeData.fire(changed);
    return changed;
  }

  private _rowText(a: Alert, now: number): string {
    return `${a.title}\u0000${describeAlert(a, now, this._groupBy, this._identity(), this._timeZone())}\u0000${a.severity}\u0000${a.status}`;
  }

  showMore(groupKey: string): void {
    this._limits.set(groupKey, (this._limits.get(groupKey) ?? this._pageSize) + this._pageSize);
    const group = this._element({ kind: 'group', key: groupKey });
    this._onDidChangeTreeData.fire(group);
  }

  groupElementFor(alertId: string): AlertsElement | undefined {
    const a = this._model.get(alertId);
    const key = a ? this._model.groupKeyOf(a, this._groupBy) : undefined;
    return key !== undefined && this._groupByKey.has(key) ? this._element({ kind: 'group', key }) : undefined;
  }

  /** The alert's row on its group's current page (undefined when it is not in the list or not on the page). */
  async alertRowFor(alertId: string): Promise<Extract<AlertsElement, { kind: 'alert' }> | undefined> {
    const group = this.groupElementFor(alertId);
    if (!group) return undefined;
    return (await this.getChildren(group)).find((r): r is Extract<AlertsElement, { kind: 'alert' }> => r.kind === 'alert' && r.id === alertId);
  }

  private _rebuild(): void {
    this._groups = this._model.groups(this._groupBy);
    this._groupByKey = new Map(this._groups.map((g) => [g.key, g]));
    this._shown.clear();
    this._rendered.clear();
    // Forget elements of alerts that left the store (keeps memory bounded under churn).
    for (const [key, el] of this._elements) if (el.kind === 'alert' && !this._model.get(el.id)) this._elements.delete(key);
    for (const [key, el] of this._children) if (!this._model.get(el.alertId)) this._children.delete(key);
    if (this._children.size > 20_000) this._children.clear(); // a bound; rows are rebuilt on their next load
  }

  private _element(e: Exclude<AlertsElement, { kind: 'child' } | { kind: 'omitted' }>): AlertsElement {
    const id = e.kind === 'group' ? `g:${e.key}` : e.kind === 'alert' ? `a:${e.id}` : `m:${e.groupKey}`;
    const existing = this._elements.get(id);
    if (existing && existing.kind === e.kind && (e.kind !== 'more' || (existing as typeof e).hidden === e.hidden)) {
      if (e.kind === 'alert') (existing as typeof e).groupKey = e.groupKey;
      return existing;
    }
    this._elements.set(id, e);
    return e;
  }

  /**
   * Rows under an alert keep their object across loads (same alert, same path of child ids), updated in place, so
   * `TreeView.reveal` can find a row the tree already shows (it matches elements by identity).
   */
  private _childElement(alertId: string, child: AlertChild, parent: AlertsElement): Extract<AlertsElement, { kind: 'child' }> {
    const key = `${parent.kind === 'child' ? this._childKeys.get(parent) ?? '' : alertId}/${child.id}`;
    let el = this._children.get(key);
    if (el) {
      el.child = child;
      el.parent = parent;
    } else {
      el = { kind: 'child', alertId, child, parent };
      this._children.set(key, el);
      this._childKeys.set(el, key);
    }
    return el;
  }

  //#region TreeDataProvider
  getChildren(element?: AlertsElement): AlertsElement[] | Promise<AlertsElement[]> {
    if (!element) {
      const roots = this._groups.filter((g) => g.size > 0).map((g) => this._element({ kind: 'group', key: g.key }));
      const omitted = this._model.omitted;
      if (omitted > 0) roots.push({ kind: 'omitted', count: omitted });
      return roots;
    }
    if (element.kind === 'alert') return this._alertChildren(element);
    if (element.kind === 'child') return (element.child.children ?? []).map((child) => this._childElement(element.alertId, child, element));
    if (element.kind !== 'group') return [];
    const group = this._groupByKey.get(element.key);
    if (!group) return [];
    const limit = this._limits.get(group.key) ?? this._pageSize;
    const out: AlertsElement[] = [];
    // Only the page is ordered (a bounded selection over the group), not the whole group: a storm has 100k.
    const page = group.top(limit);
    for (const a of page) {
      const el = this._element({ kind: 'alert', id: a.id, groupKey: group.key });
      this._shown.set(a.id, el);
      out.push(el);
    }
    if (group.size > page.length) out.push(this._element({ kind: 'more', groupKey: group.key, hidden: group.size - page.length }));
    return out;
  }

  getParent(element: AlertsElement): AlertsElement | undefined {
    if (element.kind === 'group' || element.kind === 'omitted') return undefined;
    if (element.kind === 'child') return element.parent;
    return this._element({ kind: 'group', key: element.groupKey });
  }

  /** Tooltips are built on hover (always current, and never part of the per-second re-render). */
  resolveTreeItem(item: vscode.TreeItem, element: AlertsElement): vscode.TreeItem {
    if (element.kind === 'alert' && item.tooltip === undefined) {
      const a = this._model.get(element.id);
      if (a) item.tooltip = alertTooltip(a, this._clock.now(), this._timeZone());
    }
    return item;
  }

  getTreeItem(element: AlertsElement): vscode.TreeItem {
    switch (element.kind) {
      case 'group':
        return this._groupItem(element.key);
      case 'more': {
        const item = new vscode.TreeItem(vscode.l10n.t('Show {0} more ({1} hidden)', Math.min(element.hidden, this._pageSize), element.hidden), vscode.TreeItemCollapsibleState.None);
        item.id = `more:${element.groupKey}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'more';
        item.command = { command: Commands.showMore, title: vscode.l10n.t('Show More'), arguments: [element.groupKey] };
        return item;
      }
      case 'omitted': {
        const item = new vscode.TreeItem(vscode.l10n.t('{0} more alerts not shown', element.count), vscode.TreeItemCollapsibleState.None);
        item.id = 'omitted';
        item.iconPath = new vscode.ThemeIcon('warning');
        item.contextValue = 'omitted';
        item.tooltip = vscode.l10n.t(
          'The alert source holds {0} more open alerts than it sends to editors (its open-alert limit, e.g. the bridge\'s --max-open-alerts). The ones not shown have the lowest severity and are the oldest; they appear here as soon as there is room. See them in the alert source itself.',
          element.count,
        );
        return item;
      }
      case 'alert':
        return this._alertItem(element.id);
      case 'child':
        return childItem(element.alertId, element.child);
    }
  }
  //#endregion

  private async _alertChildren(element: Extract<AlertsElement, { kind: 'alert' }>): Promise<AlertsElement[]> {
    const a = this._model.get(element.id);
    if (!a) return [];
    const out: AlertsElement[] = [];
    for (const c of this._contributors) {
      if (!c.hasChildren(a)) continue;
      try {
        for (const child of await c.children(a)) out.push(this._childElement(a.id, child, element));
      } catch (e) {
        out.push({ kind: 'child', alertId: a.id, parent: element, child: { id: `error:${c.order}`, label: vscode.l10n.t('Could not load details: {0}', errorText(e)), icon: new vscode.ThemeIcon('error') } });
      }
    }
    return out;
  }

  private _groupItem(key: string): vscode.TreeItem {
    const g = this._groupByKey.get(key);
    const label = displayText(g?.label ?? key, 120) || vscode.l10n.t('(none)');
    const sevIcon = this._groupBy === 'severity' ? SEVERITY_ICON[key as Severity] : undefined;
    const item = new vscode.TreeItem(label, g && g.triggered > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `group:${this._groupBy}:${key}`;
    const total = g?.size ?? 0;
    item.description = g && g.triggered > 0 ? vscode.l10n.t('{0} firing · {1}', g.triggered, total) : `${total}`;
    item.contextValue = 'group';
    item.iconPath = sevIcon ? new vscode.ThemeIcon(sevIcon[0], new vscode.ThemeColor(sevIcon[1])) : new vscode.ThemeIcon(this._groupBy === 'service' ? 'server-process' : this._groupBy === 'severity' ? 'list-filter' : 'pulse');
    item.accessibilityInformation = { label: `${label}, ${item.description}` };
    return item;
  }

  private _alertItem(id: string): vscode.TreeItem {
    const a = this._model.get(id);
    if (!a) {
      const gone = new vscode.TreeItem(vscode.l10n.t('(alert no longer available)'));
      gone.id = `alert:${id}`;
      return gone;
    }
    const now = this._clock.now();
    const expandable = this._contributors.some((c) => c.hasChildren(a));
    // Under its service's group the title need not say the service again.
    const title = this._groupBy === 'service' ? titleWithoutService(displayText(a.title, 200), displayText(a.service, 200)) : displayText(a.title, 200);
    const item = new vscode.TreeItem(title || vscode.l10n.t('(untitled alert)'), expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `alert:${a.id}`;
    const [icon, color] = SEVERITY_ICON[a.severity];
    // Snoozed: a bell-slash in the severity's colour (the severity is in the tooltip and the accessible label).
    const asleep = snoozedUntil(a, now) !== undefined;
    item.iconPath = a.status === 'resolved' ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('charts.green')) : new vscode.ThemeIcon(asleep ? 'bell-slash' : icon, new vscode.ThemeColor(color));
    const description = describeAlert(a, now, this._groupBy, this._identity(), this._timeZone());
    item.description = description;
    this._rendered.set(a.id, this._rowText(a, now));
    const flags = [a.status, asleep ? 'snoozed' : '', isSafeExternalUrl(a.runbookUrl) ? 'runbook' : '', isSafeExternalUrl(a.url) ? 'url' : '', a.stackTrace ? 'trace' : '', a.labels.alertname ? 'rule' : ''].filter(Boolean);
    item.contextValue = `alert:${flags.join(':')}`;
    item.accessibilityInformation = { label: vscode.l10n.t('{0} alert {1}, {2}, {3}', a.severity, displayText(a.title, 200), a.status, description) };
    return item;
  }
}

function childItem(alertId: string, c: AlertChild): vscode.TreeItem {
  const state = c.children?.length ? (c.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None;
  const item = new vscode.TreeItem(c.label, state);
  item.id = `alert:${alertId}/${c.id}`;
  if (c.description !== undefined) item.description = c.description;
  if (c.tooltip !== undefined) item.tooltip = c.tooltip;
  if (c.icon) item.iconPath = c.icon;
  if (c.command) item.command = c.command;
  item.contextValue = c.contextValue ?? 'alertChild';
  return item;
}

export function describeAlert(a: Alert, now: number, groupBy: GroupBy, identity = '', zone = 'UTC'): string {
  const parts: string[] = [];
  if (groupBy !== 'service') parts.push(displayText(a.service, 60));
  parts.push(formatAge(now - Date.parse(a.startedAt)));
  const snoozed = snoozedUntil(a, now);
  if (snoozed !== undefined) parts.push(vscode.l10n.t('snoozed until {0}', formatUntil(snoozed, now, zone)));
  else if (a.status === 'acknowledged') {
    // My own ack reads "acked by you" whatever name the source echoes back (email, "You", a handle).
    const mine = a.acknowledgedBy !== undefined && identity !== '' && matchesIdentity(a.acknowledgedBy, identity);
    parts.push(mine ? vscode.l10n.t('acked by you') : vscode.l10n.t('acked by {0}', displayText(a.acknowledgedBy?.name, 60) || vscode.l10n.t('someone')));
  }
  if (a.status === 'resolved') parts.push(vscode.l10n.t('resolved'));
  if (a.status === 'triggered') {
    const esc = escalationText(a, now);
    if (esc) parts.push(esc);
  }
  return parts.join(' · ');
}

/** Untrusted markdown: every piece of alert text goes through appendText (escaped), no HTML, no command links. */
export function alertTooltip(a: Alert, now: number, zone = 'UTC'): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.appendMarkdown('**').appendText(displayText(a.title, 300)).appendMarkdown('**\n\n');
  const row = (k: string, v: string | undefined): void => {
    if (v) md.appendMarkdown(`${k}: `).appendText(v).appendMarkdown('  \n');
  };
  row(vscode.l10n.t('Severity'), a.severity);
  row(vscode.l10n.t('Status'), a.acknowledgedBy ? vscode.l10n.t('{0} by {1}', a.status, displayText(a.acknowledgedBy.name, 80)) : a.status);
  row(vscode.l10n.t('Service'), a.environment ? vscode.l10n.t('{0} ({1})', displayText(a.service, 100), displayText(a.environment, 40)) : displayText(a.service, 100));
  row(vscode.l10n.t('Started'), vscode.l10n.t('{0} UTC ({1} ago)', new Date(a.startedAt).toISOString().replace('T', ' ').slice(0, 16), formatAge(now - Date.parse(a.startedAt))));
  const snoozed = snoozedUntil(a, now);
  if (snoozed !== undefined) row(vscode.l10n.t('Snoozed'), vscode.l10n.t('until {0} (it triggers again by itself then)', formatUntil(snoozed, now, zone)));
  if (a.status === 'triggered') row(vscode.l10n.t('Escalation'), escalationText(a, now));
  if (a.assignees.length) row(vscode.l10n.t('Assigned'), a.assignees.map((p) => displayText(p.name, 60)).join(', '));
  if (a.description) md.appendMarkdown('\n').appendText(displayBlock(a.description, 1500, 15)).appendMarkdown('\n\n');
  // Notes, newest last, each escaped (untrusted), the last 5 (the Timeline row has the rest of the story).
  const notes = (a.notes ?? []).slice(-5);
  if (notes.length) {
    md.appendMarkdown('\n').appendText(vscode.l10n.t('Notes:')).appendMarkdown('\n\n');
    for (const n of notes) {
      const t = Date.parse(n.at);
      const who = n.author ? displayText(n.author.name, 60) : '';
      md.appendMarkdown('- ').appendText(`${Number.isFinite(t) ? formatUntil(t, now, zone) : ''}${who ? ` ${who}` : ''}: ${displayText(n.text, 300)}`).appendMarkdown('\n');
    }
    md.appendMarkdown('\n');
  }
  const labels = Object.entries(a.labels).slice(0, 20);
  if (labels.length) {
    md.appendMarkdown('\n').appendText(vscode.l10n.t('Labels:')).appendMarkdown(' ');
    md.appendText(labels.map(([k, v]) => `${displayText(k, 40)}=${displayText(v, 80)}`).join(', '));
  }
  return md;
}
