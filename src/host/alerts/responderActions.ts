import * as vscode from 'vscode';
import type { Alert, Person, ReassignTarget, RequestCapability, ResponderAction, ResultMessage } from '../../core/protocol/types';
import type { AlertSourceConnection } from '../../core/transport/connection';
import type { ResponderConnection } from '../../core/transport/responderActions';
import { Disposable } from '../../core/util/disposable';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { formatShiftTime } from '../../core/schedule/format';
import {
  formatUntil,
  helpTarget,
  localTimeOf,
  MAX_NOTE_INPUT,
  overrideRanges,
  parseDuration,
  pickablePeople,
  policySummary,
  tierTargetNames,
  snoozePresets,
  type SnoozePresetId,
} from '../../core/viewModel/responder';
import { Commands, ContextKeys as Keys, Views } from '../constants';
import type { HostContext } from '../context';
import type { OnCallFeature } from '../onCall/onCallFeature';
import type { AlertChild } from './alertChildren';
import type { AlertsFeature } from './alertsFeature';

/** A quick pick or an input box the responder actions ask; the test seam answers them instead of the user. */
export type ResponderPrompt =
  | { kind: 'pick'; title: string; items: ReadonlyArray<{ id: string; label: string; description?: string }> }
  | { kind: 'input'; title: string; prompt: string; validate: (v: string) => string | undefined };
/** Test seam (like the deploy guard's): answers a prompt with an item id / the text, or undefined (cancelled). */
export type ResponderPrompter = (p: ResponderPrompt) => Promise<string | undefined>;

/** The connection's responder actions, when it has them (AlertClient does; direct ntfy/Gotify connections do not). */
export function responderOf(conn: AlertSourceConnection | undefined): (AlertSourceConnection & ResponderConnection) | undefined {
  const c: (AlertSourceConnection & Partial<ResponderConnection>) | undefined = conn;
  return c && typeof c.unsupportedReason === 'function' && typeof c.snooze === 'function' ? (c as AlertSourceConnection & ResponderConnection) : undefined;
}

/**
 * Snooze…, Reassign…, Escalate, Add Note…, Ask for Help on alerts; Take On-Call… / Cover Me… on rotations. Each is
 * offered only when the source lists it in `hello.capabilities` (context keys for the menus); run anyway (palette),
 * it says why it is missing. Nothing changes locally: the source's own update shows the result.
 */
export class ResponderActionsFeature extends Disposable {
  private readonly _log: Logger;
  private _prompter: ResponderPrompter | undefined;
  private readonly _alerts: AlertsFeature;
  private readonly _onCall: OnCallFeature;

  constructor(
    private readonly _ctx: HostContext,
    peers: { alerts: AlertsFeature; onCall: OnCallFeature },
  ) {
    super();
    this._alerts = peers.alerts;
    this._onCall = peers.onCall;
    this._log = tagged(_ctx.logger, 'responder');
    this._register(
      _ctx.whileConnected((conn, scope) => {
        const update = (): void => {
          const r = responderOf(conn);
          const connected = conn?.state.state === 'connected';
          const can = (cap: ResponderAction): boolean => !!r && connected && r.unsupportedReason(cap) === undefined;
          _ctx.keys.set(Keys.canSnooze, can('snooze'));
          _ctx.keys.set(Keys.canReassign, can('reassign'));
          _ctx.keys.set(Keys.canEscalate, can('escalate'));
          _ctx.keys.set(Keys.canNote, can('note'));
          _ctx.keys.set(Keys.canOverride, can('override'));
        };
        if (conn) scope.add(conn.onDidChangeState(update));
        update();
      }),
    );
    const alertIds = (item?: unknown, selected?: unknown): string[] => this._alerts.targets(item, selected);
    this._register(vscode.commands.registerCommand(Commands.snooze, (item?: unknown, selected?: unknown) => this.snooze(alertIds(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.reassign, (item?: unknown, selected?: unknown) => this.reassign(alertIds(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.escalate, (item?: unknown, selected?: unknown) => this.escalate(alertIds(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.addNote, (item?: unknown, selected?: unknown) => this.addNote(alertIds(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.askForHelp, (item?: unknown, selected?: unknown) => this.askForHelp(alertIds(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.takeOnCall, (item?: unknown) => this.override(this._onCall.rotationIdOf(item), 'take')));
    this._register(vscode.commands.registerCommand(Commands.coverMe, (item?: unknown) => this.override(this._onCall.rotationIdOf(item), 'cover')));
    this._alerts.provider.addContributor({ order: 90, hasChildren: (a) => (a.timeline?.length ?? 0) > 0, children: (a) => Promise.resolve(timelineRows(a, this._ctx.clock.now(), this._ctx.timeZone)) });
  }

  /** Test seam: answers the quick picks and input boxes instead of the user; undefined restores the real UI. */
  setPrompter(p: ResponderPrompter | undefined): void {
    this._prompter = p;
  }

  // ---- the actions; each resolves true when the source confirmed

  async snooze(ids: string[]): Promise<boolean> {
    const r = this._ready('snooze', ids);
    if (!r) return false;
    const now = this._ctx.clock.now();
    const zone = this._ctx.timeZone;
    const presets = snoozePresets(now, zone);
    const label: Record<SnoozePresetId, string> = {
      '15m': vscode.l10n.t('15 minutes'),
      '1h': vscode.l10n.t('1 hour'),
      '4h': vscode.l10n.t('4 hours'),
      tomorrow: vscode.l10n.t('Until tomorrow 09:00'),
    };
    const pick = await this._pick(ids.length === 1 ? vscode.l10n.t('Snooze "{0}"', this._title(r, ids[0]!)) : vscode.l10n.t('Snooze {0} alerts', ids.length), [
      ...presets.map((p) => ({ id: p.id, label: label[p.id], description: vscode.l10n.t('until {0}', formatUntil(p.until, now, zone)) })),
      { id: 'custom', label: vscode.l10n.t('Custom duration…'), description: vscode.l10n.t('e.g. 30m, 2h, 1h30m') },
    ]);
    if (!pick) return false;
    let until = presets.find((p) => p.id === pick)?.until;
    if (pick === 'custom') {
      const ms = await this._duration(vscode.l10n.t('Snooze for how long?'));
      if (ms === undefined) return false;
      until = this._ctx.clock.now() + ms;
    }
    if (until === undefined) return false;
    const when = formatUntil(until, this._ctx.clock.now(), zone);
    return this._send('snooze', ids, vscode.l10n.t('Snoozing until {0}…', when), () => r.snooze(ids, new Date(until)));
  }

  async reassign(ids: string[]): Promise<boolean> {
    const r = this._ready('reassign', ids);
    if (!r) return false;
    const now = this._ctx.clock.now();
    const alert = r.store.get(ids[0]!);
    const items: Array<{ id: string; label: string; description?: string }> = [];
    for (const p of pickablePeople(r.oncall, alert)) items.push({ id: `user:${p.id}`, label: displayText(p.name, 60), description: personDescription(p, now) });
    // The alert's policy: by the name its escalation gives, else the policy for its service.
    const policies = r.oncall?.policies ?? [];
    const policy = alert ? (policies.find((x) => alert.escalation?.policy !== undefined && x.name === alert.escalation.policy) ?? policies.find((x) => x.services.includes(alert.service))) : undefined;
    for (const t of policy?.tiers ?? []) {
      const names = tierTargetNames(t, r.oncall?.rotations ?? []);
      items.push({ id: `level:${t.level}`, label: vscode.l10n.t('Level {0} of {1}', t.level, displayText(policy!.name, 60)), description: names });
    }
    // Another escalation policy, where the source can move alerts between policies (PagerDuty, Splunk On-Call, demo).
    const policyWhy = r.unsupportedReassignTarget?.('policyId');
    if (policyWhy === undefined) {
      for (const p of policies) {
        if (p.id === policy?.id) continue;
        items.push({ id: `policy:${p.id}`, label: vscode.l10n.t('Escalation policy: {0}', displayText(p.name, 60)), description: policySummary(p, r.oncall?.rotations ?? []) });
      }
    } else if (policies.length > 1) this._log.info(`Reassign…: other escalation policies are not offered: ${policyWhy}`);
    if (items.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: the alert source lists nobody to reassign to (no people directory and no escalation policy for this alert).'));
      return false;
    }
    const pick = await this._pick(ids.length === 1 ? vscode.l10n.t('Reassign "{0}" to…', this._title(r, ids[0]!)) : vscode.l10n.t('Reassign {0} alerts to…', ids.length), items);
    if (!pick) return false;
    const to: ReassignTarget = pick.startsWith('user:') ? { userId: pick.slice(5) } : pick.startsWith('policy:') ? { policyId: pick.slice(7) } : { escalationLevel: Number(pick.slice(6)) };
    const label = items.find((i) => i.id === pick)?.label ?? pick;
    return this._send('reassign', ids, vscode.l10n.t('Reassigning to {0}…', label), () => r.reassign(ids, to));
  }

  async escalate(ids: string[]): Promise<boolean> {
    const r = this._ready('escalate', ids);
    if (!r) return false;
    return this._send('escalate', ids, vscode.l10n.t('Escalating…'), () => r.escalate(ids));
  }

  async addNote(ids: string[]): Promise<boolean> {
    const r = this._ready('note', ids);
    if (!r) return false;
    if (ids.length > 1) {
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: a note goes on one alert: select only one.'));
      return false;
    }
    const text = await this._input(vscode.l10n.t('Add a note to "{0}"', this._title(r, ids[0]!)), vscode.l10n.t('The note is posted to the alert source, where your team sees it.'), (v) =>
      !v.trim() ? vscode.l10n.t('Type the note.') : v.length > MAX_NOTE_INPUT ? vscode.l10n.t('At most {0} characters (this has {1}).', MAX_NOTE_INPUT, v.length) : undefined,
    );
    if (!text) return false;
    return this._send('note', ids, vscode.l10n.t('Adding the note…'), () => r.note(ids[0]!, text.trim()));
  }

  /** Reassign to the ops partner of my paired rotation; without one, escalate. */
  async askForHelp(ids: string[]): Promise<boolean> {
    const conn = responderOf(this._ctx.connections.connection);
    if (ids.length === 0) return this._noSelection();
    const alert = conn?.store.get(ids[0]!);
    const target = helpTarget(this._onCall.schedule, this._ctx.identity.value, alert, this._ctx.clock.now());
    if (target.kind === 'person' && conn && conn.unsupportedReason('reassign') === undefined) {
      const r = this._ready('reassign', ids);
      if (!r) return false;
      const who = displayText(target.person.name, 60);
      return this._send('reassign', ids, vscode.l10n.t('Asking {0} ({1}) for help…', who, displayText(target.rotation.name, 60)), () => r.reassign(ids, { userId: target.person.id! }));
    }
    if (target.kind === 'none') {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: cannot ask for help: {0}', target.why));
      return false;
    }
    return this.escalate(ids);
  }

  /** Take On-Call… (me on the rotation) / Cover Me… (someone else takes my shift). */
  async override(rotationId: string | undefined, mode: 'take' | 'cover'): Promise<boolean> {
    const conn = this._ctx.connections.connection;
    const r = responderOf(conn);
    const why = r ? r.unsupportedReason('override') : conn ? vscode.l10n.t('this source type has no on-call schedule to change') : vscode.l10n.t('not connected to an alert source');
    if (!r || why !== undefined) return this._unsupported(mode === 'take' ? vscode.l10n.t('take on-call') : vscode.l10n.t('hand over your shift'), why ?? '');
    const schedule = this._onCall.schedule;
    let rotId = rotationId;
    if (!rotId) {
      rotId = await this._pick(vscode.l10n.t('Which rotation?'), schedule.rotations.map((x) => ({ id: x.id, label: displayText(x.name, 60), description: x.role ? displayText(x.role, 30) : '' })));
      if (!rotId) return false;
    }
    const rotation = schedule.rotations.find((x) => x.id === rotId);
    const now = this._ctx.clock.now();
    const zone = this._ctx.timeZone;
    const ranges = overrideRanges(schedule, rotId, now);
    const rangeLabel = { restOfShift: vscode.l10n.t('The rest of this shift'), next4h: vscode.l10n.t('The next 4 hours'), nextShift: vscode.l10n.t('The next shift') };
    const pick = await this._pick(mode === 'take' ? vscode.l10n.t('Take on-call for {0}: when?', displayText(rotation?.name ?? rotId, 60)) : vscode.l10n.t('Cover me on {0}: when?', displayText(rotation?.name ?? rotId, 60)), [
      ...ranges.map((x) => ({ id: x.id, label: rangeLabel[x.id], description: `${formatShiftTime(x.start, zone, now)} → ${formatShiftTime(x.end, zone, now)}` })),
      { id: 'custom', label: vscode.l10n.t('Custom duration from now…'), description: vscode.l10n.t('e.g. 2h, 1d') },
    ]);
    if (!pick) return false;
    let range = ranges.find((x) => x.id === pick);
    if (pick === 'custom') {
      const ms = await this._duration(vscode.l10n.t('For how long?'));
      if (ms === undefined) return false;
      const t = this._ctx.clock.now();
      range = { id: 'next4h', start: t, end: t + ms };
    }
    if (!range) return false;
    let userId: string | undefined;
    let whoLabel = vscode.l10n.t('you');
    if (mode === 'cover') {
      const me = this._ctx.identity.value;
      const people = pickablePeople(r.oncall).filter((p) => !(me && [p.email, p.name, p.handle].some((x) => x && x.toLowerCase() === me.toLowerCase())));
      const who = await this._pick(vscode.l10n.t('Who covers for you?'), people.map((p) => ({ id: p.id!, label: displayText(p.name, 60), description: personDescription(p, now) })));
      if (!who) return false;
      userId = who;
      whoLabel = displayText(people.find((p) => p.id === who)?.name ?? who, 60);
    }
    const start = range.start;
    const end = range.end;
    const ok = await this._send('override', [], vscode.l10n.t('Putting {0} on call…', whoLabel), () => r.override({ rotationId: rotId, start: new Date(start), end: new Date(end), ...(userId ? { userId } : {}) }), Views.status);
    if (ok) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('On Call: {0} on call for {1} from {2} to {3}.', whoLabel, displayText(rotation?.name ?? rotId, 60), formatShiftTime(start, zone, now), formatShiftTime(end, zone, now)),
      );
    }
    return ok;
  }

  // ---- helpers

  /** The connection when it offers `cap` and alerts are selected; else says why and returns undefined. */
  private _ready(cap: RequestCapability, ids: string[]): (AlertSourceConnection & ResponderConnection) | undefined {
    const conn = this._ctx.connections.connection;
    const r = responderOf(conn);
    const what = capVerb(cap);
    if (!conn) return void this._unsupported(what, vscode.l10n.t('not connected to an alert source — use "On Call: Connect to Alert Source…"'));
    if (!r) return void this._unsupported(what, vscode.l10n.t('a direct ntfy or Gotify connection only receives alerts: connect through the bridge for responder actions'));
    const why = r.unsupportedReason(cap);
    if (why !== undefined) return void this._unsupported(what, why);
    if (ids.length === 0) return void this._noSelection();
    return r;
  }

  private _unsupported(what: string, why: string): false {
    this._log.info(`cannot ${what}: ${why}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('On Call: cannot {0}: {1}', what, displayText(why, 300)));
    return false;
  }

  private _noSelection(): false {
    void vscode.window.showInformationMessage(vscode.l10n.t('On Call: select one or more alerts first.'));
    return false;
  }

  private _title(r: AlertSourceConnection, id: string): string {
    return displayText(r.store.get(id)?.title, 60) || id;
  }

  /** Sends; on refusal shows the source's reason (it says what to do). Nothing is changed locally either way. */
  private async _send(cap: RequestCapability, ids: string[], progress: string, run: () => Promise<ResultMessage>, viewId: string = Views.alerts): Promise<boolean> {
    try {
      const res = await vscode.window.withProgress({ location: { viewId }, title: progress }, run);
      this._log.info(`${cap}: ${ids.length ? `${ids.length} alert(s) ` : ''}ok${res.note ? ` (${res.note})` : ''}`);
      if (res.note) void vscode.window.showInformationMessage(vscode.l10n.t('On Call: {0}', displayText(res.note, 300)));
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this._log.warn(`${cap} ${ids.join(', ')} failed: ${msg}`);
      const showLogs = vscode.l10n.t('Show Logs');
      void vscode.window.showErrorMessage(vscode.l10n.t('On Call: could not {0}: {1}', capVerb(cap), displayText(msg, 400)), showLogs).then((a) => {
        if (a === showLogs) void vscode.commands.executeCommand(Commands.showLogs);
      });
      return false;
    }
  }

  private async _pick(title: string, items: ReadonlyArray<{ id: string; label: string; description?: string }>): Promise<string | undefined> {
    if (this._prompter) return this._prompter({ kind: 'pick', title, items });
    const picked = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, ...(i.description ? { description: i.description } : {}), id: i.id })),
      { title, matchOnDescription: true },
    );
    return picked?.id;
  }

  private async _input(title: string, prompt: string, validate: (v: string) => string | undefined): Promise<string | undefined> {
    if (this._prompter) {
      const v = await this._prompter({ kind: 'input', title, prompt, validate });
      return v !== undefined && validate(v) === undefined ? v : undefined;
    }
    return vscode.window.showInputBox({ title, prompt, ignoreFocusOut: true, validateInput: validate });
  }

  private async _duration(title: string): Promise<number | undefined> {
    const v = await this._input(title, vscode.l10n.t('A duration: 30m, 2h, 1h30m, 1d (at most 7 days).'), (s) => {
      const d = parseDuration(s);
      return d.ok ? undefined : d.error;
    });
    if (v === undefined) return undefined;
    const d = parseDuration(v);
    return d.ok ? d.ms : undefined;
  }
}

function capVerb(cap: RequestCapability): string {
  switch (cap) {
    case 'snooze':
      return vscode.l10n.t('snooze');
    case 'reassign':
      return vscode.l10n.t('reassign');
    case 'escalate':
      return vscode.l10n.t('escalate');
    case 'note':
      return vscode.l10n.t('add a note');
    case 'override':
      return vscode.l10n.t('change who is on call');
    default:
      return cap;
  }
}

function personDescription(p: Person, now: number): string {
  const local = localTimeOf(p, now);
  const email = p.email ? displayText(p.email, 80) : '';
  return local ? vscode.l10n.t('{0} · {1} there', email || displayText(p.handle, 40), local) : email;
}

/** The "Timeline" row under an alert: what happened (actor, time, what), newest first. */
export function timelineRows(a: Alert, now: number, zone: string): AlertChild[] {
  const entries = [...(a.timeline ?? [])].reverse();
  if (entries.length === 0) return [];
  const seen = new Map<string, number>();
  const children: AlertChild[] = entries.map((e) => {
    const t = Date.parse(e.at);
    const when = Number.isFinite(t) ? formatUntil(t, now, zone) : '?';
    const actor = e.actor ? displayText(e.actor.name, 60) : vscode.l10n.t('the source');
    // Instants in the source's text ("snoozed until 2026-12-02T01:57:08Z") read in my zone, like the rest.
    const what = displayText(e.text ?? e.kind, 200).replace(ISO_INSTANT, (m) => (Number.isFinite(Date.parse(m)) ? formatUntil(Date.parse(m), now, zone) : m));
    return {
      id: `timeline:${stableId(seen, `${e.at}|${e.kind}`)}`,
      label: `${when} · ${what}`,
      description: actor,
      tooltip: `${Number.isFinite(t) ? new Date(t).toISOString() : displayText(e.at, 40)} — ${actor}: ${what}`,
      icon: new vscode.ThemeIcon(timelineIcon(e.kind)),
      contextValue: 'timelineEntry',
    };
  });
  return [{ id: 'timeline', label: vscode.l10n.t('Timeline'), description: vscode.l10n.t('{0} entries', entries.length), icon: new vscode.ThemeIcon('history'), children, contextValue: 'timeline' }];
}

const ISO_INSTANT = /\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d)/g;

/** `key`, or `key#2`, `key#3` … for repeats: an entry's row id stays the same when newer entries arrive. */
function stableId(seen: Map<string, number>, key: string): string {
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  return n === 1 ? key : `${key}#${n}`;
}

function timelineIcon(kind: string): string {
  switch (kind) {
    case 'triggered':
      return 'bell';
    case 'acknowledged':
      return 'check';
    case 'unacknowledged':
      return 'circle-slash';
    case 'snoozed':
    case 'unsnoozed':
      return 'clock';
    case 'escalated':
      return 'arrow-up';
    case 'reassigned':
      return 'person';
    case 'note':
      return 'note';
    case 'resolved':
      return 'pass';
    default:
      return 'circle-small';
  }
}
