import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Alert, RequestCapability } from '../../core/protocol/types';
import type { AlertSourceConnection } from '../../core/transport/connection';
import type { Clock } from '../../core/util/clock';
import { Disposable, toDisposable, type IDisposable } from '../../core/util/disposable';
import { errorText } from '../../core/util/errors';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { decideOnIt, lapsesAt, ON_IT_LIMITS, stillInvestigatingNote, type OnItAction, type OnItAlert, type OnItCaps, type OnItEnd, type OnItState } from '../../core/viewModel/onIt';
import { formatUntil } from '../../core/viewModel/responder';
import type { AlertsFeature } from '../alerts/alertsFeature';
import { responderOf } from '../alerts/responderActions';
import { Commands, ContextKeys as Keys } from '../constants';
import type { HostContext } from '../context';
import type { OnCallFeature } from '../onCall/onCallFeature';
import type { AlertFrames } from '../stackTrace/alertFrames';

/** Consecutive failed requests after which the hold gives up (and says so) instead of retrying forever. */
const MAX_FAILURES = 3;
/** How long the status bar keeps saying "lapsed" after a lapse. */
const LAPSED_SHOWN_MS = 10 * 60_000;

/** One hold ("I'm on it" on one alert): the decision's state and what the host needs besides. */
interface Hold extends OnItState {
  title: string;
  /** fsPaths of the alert's in-app frame files; empty = none resolved (then any workspace edit counts, and it says so). */
  files: Set<string>;
  /** Workspace-relative names of the files edited, for the note. */
  edited: Set<string>;
  caps: OnItCaps;
  failures: number;
  timer?: IDisposable;
  busy?: boolean;
}

/** What the last hold ended with (tests, and the status bar's "lapsed" text). */
export interface OnItEnded {
  alertId: string;
  title: string;
  why: OnItEnd | 'stopped' | 'failed';
  at: number;
  /** When the last snooze runs out (the alert pages again then), for an idle lapse. */
  holdEndsAt?: number;
  message: string;
}

/**
 * Issue 21 item 5, "I'm On It": acknowledges the alert and, while the user keeps editing the files of its stack trace,
 * keeps it from escalating — a short snooze renewed before it ends where the source has snooze (so the hold runs out
 * by itself if the editor closes), else acknowledging again whenever it returns to triggered — and posts a short
 * "still investigating" note at the source's escalation interval where it has notes. It lapses after
 * `oncall.imOnIt.idleMinutes` without such an edit and says so (notification + status bar). The decisions are
 * `core/viewModel/onIt.ts`; this sends the requests and shows the state.
 */
export class ImOnItFeature extends Disposable {
  private readonly _log: Logger;
  private _clock: Clock;
  private _hold: Hold | undefined;
  private readonly _item: vscode.StatusBarItem;
  /** The last hold that ended (lapsed, resolved, stopped), while it is shown. */
  lastEnded: OnItEnded | undefined;
  private _statusTimer: IDisposable | undefined;

  constructor(
    private readonly _ctx: HostContext,
    private readonly _peers: { readonly alerts: AlertsFeature; readonly frames: AlertFrames; readonly onCall: OnCallFeature },
  ) {
    super();
    this._log = tagged(_ctx.logger, 'im-on-it');
    this._clock = _ctx.clock;
    this._item = this._register(vscode.window.createStatusBarItem('oncall.imOnIt', vscode.StatusBarAlignment.Left, 99));
    this._item.name = vscode.l10n.t("On Call: I'm on it");
    this._register(toDisposable(() => this._clear()));
    this._register(vscode.commands.registerCommand(Commands.imOnIt, (item?: unknown, selected?: unknown) => this.start(this._peers.alerts.targets(item, selected))));
    this._register(vscode.commands.registerCommand(Commands.stopImOnIt, () => this.stop()));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this._onEdit(e)));
    // The alert changed at the source (re-triggered, resolved, snooze ended): decide again at once.
    this._register(
      _ctx.whileConnected((conn, scope) => {
        if (!conn) return;
        scope.add(
          conn.store.onDidChange((e) => {
            const id = this._hold?.alertId;
            if (id !== undefined && ([...e.updated, ...e.added].some((a) => a.id === id) || e.removed.includes(id))) void this.tick();
          }),
        );
      }),
    );
    this._updateStatus();
  }

  /** Test seam: the clock decisions are made on (renewals, notes, the lapse). */
  useClock(clock: Clock): void {
    this._clock = clock;
    this._schedule();
  }

  /** The alert being held, if any (tests, status). */
  get current(): Readonly<OnItState & { files: ReadonlySet<string>; caps: OnItCaps }> | undefined {
    return this._hold;
  }

  async start(ids: string[]): Promise<boolean> {
    const conn = this._ctx.connections.connection;
    if (!conn) return this._warn(vscode.l10n.t('On Call: connect to an alert source first.'));
    if (ids.length !== 1) return this._warn(vscode.l10n.t('On Call: "I\'m on it" is for one alert at a time: select one.'));
    const alert = conn.store.get(ids[0]!);
    if (!alert || alert.status === 'resolved') return this._warn(vscode.l10n.t('On Call: that alert is resolved or gone.'));
    const caps = this._caps(conn);
    if (!caps.snooze && !caps.ack) return this._warn(vscode.l10n.t('On Call: "I\'m on it" cannot hold this alert: the source can neither acknowledge nor snooze ({0}).', displayText(this._why(conn, 'ack'), 200)));
    if (this._hold && this._hold.alertId !== alert.id) this._end('stopped', vscode.l10n.t('On Call: "I\'m on it" moved to "{0}".', displayText(alert.title, 60)), false);
    const frames = await this._peers.frames.resolvedFrames(alert).catch(() => []);
    const files = new Set(frames.map((f) => path.join(f.folder, ...f.path.split('/'))));
    const now = this._clock.now();
    const idleMs = this._ctx.config.value.imOnItIdleMinutes * 60_000;
    const hold: Hold = {
      alertId: alert.id,
      title: alert.title,
      startedAt: now,
      lastActivityAt: now,
      idleMs,
      holdMs: idleMs,
      lastNoteAt: now,
      files,
      edited: new Set(),
      caps,
      failures: 0,
    };
    const interval = this._escalationIntervalMs(alert);
    if (interval !== undefined) hold.escalationIntervalMs = interval;
    // Acknowledge now: with snooze, a snooze (it acknowledges, and wakes the alert by itself after a lapse).
    const first: OnItAction = caps.snooze ? { kind: 'snooze', until: now + idleMs } : { kind: 'ack' };
    if (first.kind === 'ack' && alert.status !== 'triggered') {
      // Already acknowledged: nothing to send; it is acknowledged again if it returns to triggered.
    } else if (!(await this._send(conn, hold, first))) {
      void vscode.window.showErrorMessage(vscode.l10n.t('On Call: could not acknowledge "{0}": {1}', displayText(alert.title, 60), displayText(this._lastError, 300)));
      return false;
    }
    this._hold = hold;
    this.lastEnded = undefined;
    this._ctx.keys.set(Keys.imOnIt, true);
    const mins = Math.round(idleMs / 60_000);
    const how = files.size
      ? vscode.l10n.t('while you edit {0}', [...files].map((f) => path.basename(f)).slice(0, 3).join(', '))
      : vscode.l10n.t('while you edit files in this workspace (no frame of its stack trace is a file here)');
    this._log.info(`on it: ${alert.id} (${caps.snooze ? 'snooze' : 'ack'} hold, lapses after ${mins} idle min, ${files.size} frame file(s))`);
    void vscode.window.showInformationMessage(vscode.l10n.t('On Call: on it — "{0}" is held {1}; it lapses after {2} min without an edit.', displayText(alert.title, 60), how, mins));
    this._schedule();
    this._updateStatus();
    return true;
  }

  /** "Stop": the user is done. A snooze already sent runs out by itself (said). */
  stop(): void {
    const h = this._hold;
    if (!h) return;
    const alert = this._ctx.connections.connection?.store.get(h.alertId);
    const until = alert?.snoozedUntil !== undefined ? Date.parse(alert.snoozedUntil) : NaN;
    const tail = Number.isFinite(until) && until > this._clock.now() ? vscode.l10n.t(' Its snooze ends at {0}, then it pages again.', formatUntil(until, this._clock.now(), this._ctx.timeZone)) : '';
    this._end('stopped', vscode.l10n.t('On Call: stopped "I\'m on it" for "{0}".{1}', displayText(h.title, 60), tail), true);
  }

  /** Decides now and sends what the decision says (the timer, store changes and tests call it). */
  async tick(): Promise<void> {
    const h = this._hold;
    const conn = this._ctx.connections.connection;
    if (!h || h.busy) return;
    if (!conn) return this._end('failed', vscode.l10n.t('On Call: "I\'m on it" for "{0}" stopped: the connection to the alert source is gone.', displayText(h.title, 60)), true);
    const now = this._clock.now();
    const a = conn.store.get(h.alertId);
    const d = decideOnIt(h, a ? onItAlert(a) : undefined, h.caps, now);
    if (d.kind === 'end') return this._ended(h, d.why, d.holdEndsAt);
    h.busy = true;
    try {
      for (const act of d.actions) {
        if (this._hold !== h) return;
        if (await this._send(conn, h, act)) {
          h.failures = 0;
          delete h.backoffUntil;
          if (act.kind === 'note') h.lastNoteAt = this._clock.now();
        } else {
          h.failures++;
          h.backoffUntil = this._clock.now() + ON_IT_LIMITS.retryMs;
          if (act.kind === 'note') h.lastNoteAt = this._clock.now(); // a failed note is not retried before the next interval
          if (h.failures >= MAX_FAILURES) {
            return this._end('failed', vscode.l10n.t('On Call: "I\'m on it" for "{0}" gave up: the source refused {1} times ({2}). It may escalate: acknowledge it yourself.', displayText(h.title, 60), h.failures, displayText(this._lastError, 200)), true);
          }
        }
      }
    } finally {
      h.busy = false;
    }
    if (this._hold === h) {
      this._schedule();
      this._updateStatus();
    }
  }

  // ---- internals

  private _lastError = '';

  private async _send(conn: AlertSourceConnection, h: Pick<Hold, 'alertId' | 'edited' | 'startedAt'>, act: OnItAction): Promise<boolean> {
    const r = responderOf(conn);
    try {
      if (act.kind === 'ack') await conn.ack([h.alertId]);
      else if (act.kind === 'snooze') {
        if (!r) throw new Error('this connection has no snooze');
        await r.snooze([h.alertId], new Date(act.until));
      } else {
        if (!r) throw new Error('this connection has no notes');
        await r.note(h.alertId, stillInvestigatingNote([...h.edited], (this._clock.now() - h.startedAt) / 60_000));
      }
      this._log.info(`on it: ${act.kind}${act.kind === 'snooze' ? ` until ${new Date(act.until).toISOString()}` : ''} ${h.alertId}`);
      return true;
    } catch (e) {
      this._lastError = errorText(e);
      this._log.warn(`on it: ${act.kind} ${h.alertId} failed: ${this._lastError}`);
      return false;
    }
  }

  private _onEdit(e: vscode.TextDocumentChangeEvent): void {
    const h = this._hold;
    if (!h || e.contentChanges.length === 0 || e.document.uri.scheme !== 'file') return;
    const p = e.document.uri.fsPath;
    if (h.files.size > 0 ? !h.files.has(p) : !vscode.workspace.getWorkspaceFolder(e.document.uri)) return;
    h.lastActivityAt = this._clock.now();
    if (h.edited.size < 20) h.edited.add(vscode.workspace.asRelativePath(e.document.uri, false));
    this._updateStatus();
    this._schedule();
  }

  private _ended(h: Hold, why: OnItEnd, holdEndsAt?: number): void {
    const title = displayText(h.title, 60);
    const now = this._clock.now();
    if (why === 'idle') {
      const mins = Math.round(h.idleMs / 60_000);
      const tail = holdEndsAt !== undefined
        ? vscode.l10n.t('It pages again at {0}, when its snooze ends.', formatUntil(holdEndsAt, now, this._ctx.timeZone))
        : h.caps.snooze
          ? vscode.l10n.t('It is no longer held.')
          : vscode.l10n.t('It stays acknowledged at the source: unacknowledge it if nobody is on it.');
      this._end('idle', vscode.l10n.t('On Call: "I\'m on it" for "{0}" lapsed: no edits to its files for {1} min. {2}', title, mins, tail), true, holdEndsAt);
      return;
    }
    const msg =
      why === 'resolved' ? vscode.l10n.t('On Call: "{0}" is resolved: "I\'m on it" ended.', title)
      : why === 'gone' ? vscode.l10n.t('On Call: "{0}" left the alert list: "I\'m on it" ended.', title)
      : vscode.l10n.t('On Call: "I\'m on it" for "{0}" ended: the source can no longer acknowledge or snooze it.', title);
    this._end(why, msg, true);
  }

  private _end(why: OnItEnded['why'], message: string, notify: boolean, holdEndsAt?: number): void {
    const h = this._hold;
    if (!h) return;
    h.timer?.dispose();
    this._hold = undefined;
    this._ctx.keys.set(Keys.imOnIt, false);
    this.lastEnded = { alertId: h.alertId, title: h.title, why, at: this._clock.now(), message, ...(holdEndsAt !== undefined ? { holdEndsAt } : {}) };
    this._log.info(`on it ended (${why}): ${h.alertId}`);
    if (notify) {
      const again = vscode.l10n.t("I'm Still On It");
      const unack = vscode.l10n.t('Unacknowledge');
      const offerUnack = why === 'idle' && !h.caps.snooze;
      const show = why === 'idle' || why === 'failed' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      const buttons = why === 'idle' ? [again, ...(offerUnack ? [unack] : [])] : [];
      void show(message, ...buttons).then((a) => {
        if (a === again) void this.start([h.alertId]);
        else if (a === unack) void vscode.commands.executeCommand(Commands.unacknowledge, h.alertId);
      });
    }
    this._updateStatus();
  }

  /** One timer: the decision's next check (the renewal, the note, the lapse), and a minute for the status text. */
  private _schedule(): void {
    const h = this._hold;
    if (!h) return;
    h.timer?.dispose();
    const conn = this._ctx.connections.connection;
    const a = conn?.store.get(h.alertId);
    const now = this._clock.now();
    const d = decideOnIt(h, a ? onItAlert(a) : undefined, h.caps, now);
    const next = d.kind === 'keep' && d.actions.length === 0 ? d.nextCheckAt : now;
    h.timer = this._clock.setTimeout(() => void this.tick(), Math.max(250, Math.min(next - now, 60_000)));
  }

  private _updateStatus(): void {
    this._statusTimer?.dispose();
    this._statusTimer = undefined;
    const h = this._hold;
    const now = this._clock.now();
    if (h) {
      const left = Math.max(0, Math.ceil((lapsesAt(h) - now) / 60_000));
      this._item.text = `$(eye) ${vscode.l10n.t('On it: {0} · lapses in {1} min', displayText(h.title, 30), left)}`;
      this._item.tooltip = vscode.l10n.t('"I\'m on it": {0} is kept from escalating ({1}) while you edit its files; without an edit for {2} min it lapses. Click to stop.', displayText(h.title, 120), h.caps.snooze ? vscode.l10n.t('snooze renewed') : vscode.l10n.t('acknowledged again if it re-triggers'), Math.round(h.idleMs / 60_000));
      this._item.command = Commands.stopImOnIt;
      this._item.backgroundColor = undefined;
      this._item.show();
      return;
    }
    const e = this.lastEnded;
    if (e && e.why !== 'stopped' && now - e.at < LAPSED_SHOWN_MS) {
      this._item.text = `$(circle-slash) ${e.why === 'idle' ? vscode.l10n.t('On it lapsed: {0}', displayText(e.title, 30)) : vscode.l10n.t('On it ended: {0}', displayText(e.title, 30))}`;
      this._item.tooltip = e.message;
      this._item.command = { command: Commands.imOnIt, title: vscode.l10n.t("I'm On It"), arguments: [e.alertId] };
      this._item.backgroundColor = e.why === 'idle' || e.why === 'failed' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this._item.show();
      this._statusTimer = this._ctx.clock.setTimeout(() => this._updateStatus(), LAPSED_SHOWN_MS);
      return;
    }
    this._item.hide();
  }

  private _clear(): void {
    this._hold?.timer?.dispose();
    this._hold = undefined;
    this._statusTimer?.dispose();
  }

  private _caps(conn: AlertSourceConnection): OnItCaps {
    const r = responderOf(conn);
    const has = (c: RequestCapability): boolean => (r ? r.unsupportedReason(c) === undefined : conn.state.server?.capabilities.includes(c) === true);
    return { ack: has('ack'), snooze: !!r && has('snooze'), note: !!r && has('note') };
  }

  private _why(conn: AlertSourceConnection, c: RequestCapability): string {
    return responderOf(conn)?.unsupportedReason(c) ?? vscode.l10n.t('a direct connection only receives alerts');
  }

  /** The source's escalation interval for the alert: its policy's delay at the alert's level. */
  private _escalationIntervalMs(a: Alert): number | undefined {
    const s = this._peers.onCall.schedule;
    const policy = (a.escalation?.policy !== undefined ? s.policies.find((p) => p.name === a.escalation!.policy) : undefined) ?? s.policyFor(a.service);
    const tier = policy?.tiers.find((t) => t.level === (a.escalation?.level ?? 1));
    return tier && tier.delayMinutes > 0 ? tier.delayMinutes * 60_000 : undefined;
  }

  private _warn(msg: string): false {
    void vscode.window.showWarningMessage(msg);
    return false;
  }
}

function onItAlert(a: Alert): OnItAlert {
  const out: OnItAlert = { status: a.status };
  const s = a.snoozedUntil !== undefined ? Date.parse(a.snoozedUntil) : NaN;
  if (Number.isFinite(s)) out.snoozedUntil = s;
  const n = a.escalation?.nextEscalationAt !== undefined ? Date.parse(a.escalation.nextEscalationAt) : NaN;
  if (Number.isFinite(n)) out.nextEscalationAt = n;
  return out;
}
