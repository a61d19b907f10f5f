import * as vscode from 'vscode';
import type { Person } from '../../core/protocol/types';
import { formatShiftTime } from '../../core/schedule/format';
import { matchesIdentity } from '../../core/schedule/identity';
import { Schedule, type OnCallGroup, type RotationOnCall } from '../../core/schedule/schedule';
import type { Clock } from '../../core/util/clock';
import { Emitter, type Event } from '../../core/util/event';
import { displayText } from '../../core/util/text';
import { notConnectedText, retryInSec, retryScheduled, type StatusInput } from '../../core/viewModel/statusBarModel';
import type { HostContext } from '../context';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, Views } from '../constants';
import { Disposable } from '../../core/util/disposable';
import { redactUrl } from '../../core/util/url';

type Element =
  | { kind: 'me' }
  | { kind: 'connection' }
  | { kind: 'now' }
  | { kind: 'group'; index: number }
  | { kind: 'rotation'; group: number; index: number }
  | { kind: 'escalation' }
  | { kind: 'policy'; index: number }
  | { kind: 'tier'; policy: number; index: number }
  | { kind: 'feedError'; name: string };

// Stable elements: a refresh of one row (the connection's countdown) needs the same object the tree was given.
const ME: Element = { kind: 'me' };
const CONNECTION: Element = { kind: 'connection' };
const NOW: Element = { kind: 'now' };
const ESCALATION: Element = { kind: 'escalation' };

/**
 * The "On Call" view: am I on call and until when, my next shift, who is on call for each rotation
 * (paired dev+ops rotations together), the escalation chains, and the connection state.
 */
export class OnCallFeature extends Disposable implements vscode.TreeDataProvider<Element> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<Element | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly _onDidChange = this._register(new Emitter<void>());
  /** Fires when the schedule changed (status bar and notifications re-read it). */
  readonly onDidChange: Event<void> = this._onDidChange.event;
  private _schedule = new Schedule([]);
  private _groups: OnCallGroup[] = [];
  readonly view: vscode.TreeView<Element>;

  private readonly _connections: ConnectionFeature;
  private readonly _clock: Clock;

  constructor(private readonly _ctx: HostContext) {
    super();
    this._connections = _ctx.connections;
    this._clock = _ctx.clock;
    this.view = this._register(vscode.window.createTreeView(Views.status, { treeDataProvider: this }));
    this._register(_ctx.connections.onDidChangeState(() => this._onDidChangeTreeData.fire(undefined)));
    // Hand-offs happen with time, not only with messages.
    this._register(_ctx.clock.setInterval(() => this.refresh(), 30_000));
    // "retrying in 8 s" counts down: only the connection row, only while a retry is scheduled.
    this._register(
      _ctx.clock.setInterval(() => {
        if (this.view.visible && retryScheduled(this._connections.connection?.state)) this._onDidChangeTreeData.fire(CONNECTION);
      }, 1000),
    );
    // iCal rotations and who I am are part of the schedule view.
    this._register(_ctx.feeds.onDidChange(() => this.refresh()));
    this._register(_ctx.identity.onDidChange(() => this.refresh()));
    this._register(
      _ctx.whileConnected((c, scope) => {
        if (c) scope.add(c.onDidChangeOnCall(() => this.refresh()));
        this.refresh();
      }),
    );
  }

  /** The user's zone: the oncall.timeZone setting when valid, else this machine's. */
  get timeZone(): string {
    return this._ctx.timeZone;
  }

  private _identity(): string {
    return this._ctx.identity.value;
  }

  private _feedErrors(): ReadonlyMap<string, string> {
    return this._ctx.feeds.errors;
  }

  get schedule(): Schedule {
    return this._schedule;
  }

  refresh(): void {
    this._schedule = Schedule.fromState(this._connections.connection?.oncall ?? null, this._ctx.feeds.rotations);
    this._groups = this._schedule.onCallNow(this._clock.now());
    this._onDidChangeTreeData.fire(undefined);
    this._onDidChange.fire();
  }

  myStatus(): StatusInput['onCall'] {
    const id = this._identity();
    if (!id || this._schedule.rotations.length === 0) return undefined;
    const now = this._clock.now();
    const cur = this._schedule.currentShift(id, now);
    if (cur) return { onCall: true, until: cur.coveredUntil };
    const next = this._schedule.nextShift(id, now);
    return next ? { onCall: false, nextShiftStart: next.start } : { onCall: false };
  }

  /** My current shift, else my most recent one in the last week. */
  myShiftWindow(): { start: number; end: number } | undefined {
    const id = this._identity();
    if (!id) return undefined;
    const now = this._clock.now();
    const cur = this._schedule.currentShift(id, now);
    if (cur) return { start: cur.start, end: cur.coveredUntil };
    const past = this._schedule.shiftsOf(id, now - 7 * 86_400_000, now).filter((s) => s.end <= now);
    const last = past[past.length - 1];
    return last ? { start: last.start, end: last.end } : undefined;
  }

  /** The rotation id of an On Call view row (a rotation element, or an id string); undefined otherwise. */
  rotationIdOf(item: unknown): string | undefined {
    if (typeof item === 'string') return item;
    const e = item as Element | undefined;
    if (e?.kind !== 'rotation') return undefined;
    return this._groups[e.group]?.rotations[e.index]?.rotation.id;
  }

  //#region TreeDataProvider
  getChildren(e?: Element): Element[] {
    const feedErrors: Element[] = [...this._feedErrors().keys()].map((name) => ({ kind: 'feedError', name }));
    if (!this._connections.url && this._schedule.rotations.length === 0 && feedErrors.length === 0) return [];
    if (!e) {
      const roots: Element[] = [ME, CONNECTION];
      if (this._groups.length) roots.push(NOW);
      if (this._schedule.policies.length) roots.push(ESCALATION);
      roots.push(...feedErrors);
      return roots;
    }
    switch (e.kind) {
      case 'now':
        return this._groups.map((g, index) =>
          g.pair !== undefined || g.rotations.length > 1 ? { kind: 'group', index } : { kind: 'rotation', group: index, index: 0 },
        );
      case 'group':
        return (this._groups[e.index]?.rotations ?? []).map((_, index) => ({ kind: 'rotation', group: e.index, index }));
      case 'escalation':
        return this._schedule.policies.map((_, index) => ({ kind: 'policy', index }));
      case 'policy': {
        const chain = this._chain(e.index);
        return (chain?.tiers ?? []).map((_, index) => ({ kind: 'tier', policy: e.index, index }));
      }
      default:
        return [];
    }
  }

  getTreeItem(e: Element): vscode.TreeItem {
    const now = this._clock.now();
    const None = vscode.TreeItemCollapsibleState.None;
    const Expanded = vscode.TreeItemCollapsibleState.Expanded;
    switch (e.kind) {
      case 'me': {
        // Most important words first (the row is cut at the default sidebar width); who and the next shift in
        // the description and the tooltip.
        const s = this.myStatus();
        const id = this._identity();
        const connected = this._connections.connection?.state.state === 'connected';
        const zone = this.timeZone;
        let label: string;
        const tip: string[] = [];
        if (!id) label = vscode.l10n.t('Set your identity to see your shifts');
        else if (!s) label = connected ? vscode.l10n.t('No schedule from this alert source') : vscode.l10n.t('Schedule unknown — not connected');
        else if (s.onCall) label = s.until !== undefined ? vscode.l10n.t('On call until {0}', formatShiftTime(s.until, zone, now)) : vscode.l10n.t('On call');
        else label = s.nextShiftStart !== undefined ? vscode.l10n.t('Off call · next shift {0}', formatShiftTime(s.nextShiftStart, zone, now)) : vscode.l10n.t('Off call');
        if (id && s) {
          tip.push(s.onCall ? (s.until !== undefined ? vscode.l10n.t('You ({0}) are on call until {1}.', displayText(id, 80), formatShiftTime(s.until, zone, now)) : vscode.l10n.t('You ({0}) are on call.', displayText(id, 80))) : vscode.l10n.t('You ({0}) are off call.', displayText(id, 80)));
          const next = this._schedule.nextShift(id, s.onCall && s.until !== undefined ? s.until - 1 : now);
          tip.push(next ? vscode.l10n.t('Next shift: {0} → {1} ({2})', formatShiftTime(next.start, zone, now), formatShiftTime(next.end, zone, now), displayText(next.rotation.name, 60)) : vscode.l10n.t('No next shift in the schedule.'));
          if (!connected) tip.push(vscode.l10n.t('Last known schedule: not connected to the alert source.'));
        }
        const item = new vscode.TreeItem(label, None);
        item.id = 'me';
        item.iconPath = new vscode.ThemeIcon(s?.onCall ? 'bell' : 'bell-slash', s?.onCall ? new vscode.ThemeColor('charts.green') : undefined);
        item.description = id ? vscode.l10n.t('you · {0}', displayText(id, 80)) : undefined;
        if (tip.length) item.tooltip = tip.join('\n');
        if (!id) item.command = { command: 'workbench.action.openSettings', title: vscode.l10n.t('Set identity'), arguments: ['oncall.identity'] };
        return item;
      }
      case 'connection': {
        const st = this._connections.connection?.state;
        const url = redactUrl(this._connections.url);
        let label = vscode.l10n.t('Connecting…');
        let icon = 'loading~spin';
        if (st?.state === 'connected') {
          label = this._connections.isDemo ? vscode.l10n.t('Connected (demo)') : vscode.l10n.t('Connected');
          icon = 'plug';
        } else if (st?.state === 'reconnecting' || st?.state === 'closed' || this._connections.disconnectedSince !== undefined) {
          const secs = retryInSec(st, now);
          const since = this._connections.disconnectedSince;
          label = notConnectedText({ now, timeZone: this.timeZone, ...(since !== undefined ? { since } : {}), ...(secs !== undefined ? { retryInSec: secs } : {}), connecting: st?.state === 'connecting' || (st?.state === 'reconnecting' && st.retryAt === undefined) });
          icon = 'debug-disconnect';
        }
        const item = new vscode.TreeItem(label, None);
        item.id = 'connection';
        item.iconPath = new vscode.ThemeIcon(icon, icon === 'debug-disconnect' ? new vscode.ThemeColor('list.warningForeground') : undefined);
        item.description = url;
        item.tooltip = st?.lastError && st.state !== 'connected' ? [url, vscode.l10n.t('Last error: {0}', displayText(st.lastError, 300)), vscode.l10n.t('Click to edit the connection.')].join('\n') : url;
        item.accessibilityInformation = { label: `${label}, ${url}` };
        if (st?.state !== 'connected' && st?.lastError) item.command = { command: Commands.connect, title: vscode.l10n.t('Edit Connection…') };
        return item;
      }
      case 'now': {
        const item = new vscode.TreeItem(vscode.l10n.t('On call now'), Expanded);
        item.id = 'now';
        item.iconPath = new vscode.ThemeIcon('broadcast');
        return item;
      }
      case 'group': {
        const g = this._groups[e.index];
        // Paired rotations often share a role ("primary"); then their names tell them apart.
        const rs = g?.rotations ?? [];
        const distinctRoles = new Set(rs.map((r) => r.role)).size === rs.length && rs.every((r) => r.role);
        const roles = rs.map((r) => (distinctRoles ? r.role! : r.rotation.name));
        const item = new vscode.TreeItem(displayText(g?.pair ?? roles.join(' + '), 80), Expanded);
        item.id = `group:${g?.pair ?? e.index}`;
        item.description = g?.pair !== undefined ? vscode.l10n.t('paired: {0}', roles.join(' + ')) : undefined;
        item.iconPath = new vscode.ThemeIcon('organization'); // (there is no 'people' codicon: the row had none)
        return item;
      }
      case 'rotation': {
        const g = this._groups[e.group];
        return this._rotationItem(g?.rotations[e.index], now, g?.pair !== undefined);
      }
      case 'escalation': {
        const item = new vscode.TreeItem(vscode.l10n.t('Escalation'), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'escalation';
        item.iconPath = new vscode.ThemeIcon('arrow-swap');
        return item;
      }
      case 'policy': {
        const chain = this._chain(e.index);
        const item = new vscode.TreeItem(displayText(chain?.policy.name ?? '?', 80), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `policy:${chain?.policy.id ?? e.index}`;
        item.description = chain ? displayText(chain.text, 300) : undefined;
        item.tooltip = chain
          ? [displayText(chain.text, 500), ...(chain.policy.services.length ? [vscode.l10n.t('Services: {0}', chain.policy.services.map((s) => displayText(s, 60)).join(', '))] : [])].join('\n')
          : undefined;
        item.iconPath = new vscode.ThemeIcon('list-ordered');
        return item;
      }
      case 'tier': {
        const tier = this._chain(e.policy)?.tiers[e.index];
        const item = new vscode.TreeItem(`${tier?.level ?? e.index + 1}. ${displayText(tier?.label ?? '?', 120)}`, None);
        item.id = `tier:${e.policy}:${e.index}`;
        item.description = tier ? (tier.pagedAfterMinutes === 0 ? vscode.l10n.t('paged at once') : vscode.l10n.t('after {0} min unacked', tier.pagedAfterMinutes)) : undefined;
        item.iconPath = new vscode.ThemeIcon('person');
        return item;
      }
      case 'feedError': {
        const why = this._feedErrors().get(e.name) ?? '';
        const item = new vscode.TreeItem(vscode.l10n.t('iCal feed "{0}" skipped', displayText(e.name, 60)), None);
        item.id = `feedError:${e.name}`;
        item.description = displayText(why, 120);
        item.tooltip = displayText(why, 500);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.command = { command: Commands.showLogs, title: vscode.l10n.t('Show Logs') };
        return item;
      }
    }
  }
  //#endregion

  private _chain(index: number) {
    const p = this._schedule.policies[index];
    return p ? this._schedule.escalationChain(p, this._clock.now()) : undefined;
  }

  private _rotationItem(r: RotationOnCall | undefined, now: number, paired: boolean): vscode.TreeItem {
    if (!r) return new vscode.TreeItem('?');
    // People first (who to call), the rotation's name and until when after them.
    const people = r.people.map((p) => displayText(p.name, 60)).join(', ') || vscode.l10n.t('nobody on call');
    const name = displayText(r.rotation.name, 60);
    const role = r.role && !paired && !r.rotation.name.toLowerCase().includes(r.role.toLowerCase()) ? ` (${displayText(r.role, 30)})` : '';
    const item = new vscode.TreeItem(people, vscode.TreeItemCollapsibleState.None);
    item.id = `rotation:${r.rotation.id}`;
    // Take On-Call… / Cover Me… (menus: when the source offers override); "mine" when I am on it now.
    item.contextValue = r.people.some((p) => this._isMe(p)) ? 'rotation:mine' : 'rotation';
    const end = r.shifts.reduce((m, s) => Math.max(m, s.end), 0);
    item.description = end ? vscode.l10n.t('{0} · until {1}', `${name}${role}`, formatShiftTime(end, this.timeZone, now)) : `${name}${role}`;
    item.iconPath = new vscode.ThemeIcon(r.people.some((p) => this._isMe(p)) ? 'account' : 'person', r.people.length ? undefined : new vscode.ThemeColor('charts.red'));
    item.tooltip = [`${displayText(r.rotation.name, 80)}${r.role ? ` (${displayText(r.role, 30)})` : ''}`, ...r.people.map((p) => personLine(p, now))].join('\n');
    return item;
  }

  private _isMe(p: Person): boolean {
    return matchesIdentity(p, this._identity());
  }
}

function personLine(p: Person, now: number): string {
  const who = `${displayText(p.name, 60)}${p.email ? ` <${displayText(p.email, 80)}>` : ''}`;
  return p.timeZone ? vscode.l10n.t('{0} — {1} there ({2})', who, formatShiftTime(now, p.timeZone, now), p.timeZone) : who;
}
