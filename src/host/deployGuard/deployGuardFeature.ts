import { responderOf } from '../alerts/responderActions';
import * as vscode from 'vscode';
import type { CommandGuardRequest, PushGuardFile, PushGuardRequest, PushGuardResponse } from '../../cli/pushGuardProtocol';
import {
  decideDeploy,
  matchDeployCommand,
  overrideAnnotation,
  validateDeployGuardSettings,
  validateDeployOverride,
  type DeployCommandPattern,
  type DeployDecision,
  type DeployGuardConfig,
} from '../../core/deploy';
import { DEFAULT_DEPLOY_FILES } from '../../core/config/settings';
import type { Clock } from '../../core/util/clock';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { matchesIdentity } from '../../core/schedule/identity';
import type { ConnectionFeature } from '../connection/connectionFeature';
import { Commands, ContextKeys as Keys } from '../constants';
import type { ContextKeys } from '../contextKeys';
import { Disposable, toDisposable, type IDisposable } from '../../core/util/disposable';
import type { HostContext } from '../context';
import type { OnCallFeature } from '../onCall/onCallFeature';
import type { DeploysFeature } from '../deploys/deploysFeature';
import { foreignHooksDir, hookCallLine, installHook, isOurHook, PushGuardServer, releaseGuardFile, removeHook, repoPaths, writeGuardFile, type RepoPaths } from './pushGuard';
import { wrappedTools, writeWrappers } from './terminalWrappers';
import { PushAlertCheck, type FixLinker } from './pushAlerts';
import type { AlertFrames } from '../stackTrace/alertFrames';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorText } from '../../core/util/errors';
import { coverOffer, type CoverOffer } from '../../core/deploy/cover';
import { formatShiftTime } from '../../core/schedule/format';
import { choiceOf, GuardWarningLog, heldCommandParts, overrideNoteTargets, type GuardChoice, type GuardWarning } from '../../core/deploy/guardPrompts';

/** Where the terminal's deploy-command wrappers go, and the collection that puts them on PATH. */
export interface TerminalWrapperHost {
  collection: vscode.GlobalEnvironmentVariableCollection;
  /** A folder of this extension's (workspace storage when there is a workspace). */
  storagePath: string;
}


/** The override reason goes as a note on at most this many open alerts (the most urgent first). */
const OVERRIDE_NOTE_ALERTS = 3;
/** How long the override note waits for the repository's services. */
const SERVICES_TIMEOUT_MS = 2000;

export type { GuardChoice } from '../../core/deploy/guardPrompts';
export interface GuardPrompt {
  what: string;
  decision: DeployDecision;
  canStop: boolean;
}
/** Test seam: answers guard prompts instead of the user (modal dialogs cannot be clicked in tests). */
export type GuardResponder = (p: GuardPrompt) => Promise<{ choice: GuardChoice; reason?: string }>;
/** Test seam: answers "Take on-call for the watch window?" (true = take it). */
export type CoverResponder = (offer: Extract<CoverOffer, { ok: true }>) => Promise<boolean>;
/** What came of the offer after a "deploy anyway" (issue 21 item 4). */
export type CoverResult =
  | { kind: 'notOffered'; why: string }
  | { kind: 'unsupported'; why: string }
  | { kind: 'declined' }
  | { kind: 'failed'; why: string }
  | { kind: 'taken'; rotationId: string; start: number; end: number; /** The schedule shows me on the rotation for the window. */ shown: boolean };

/**
 * The deploy guard: decides whether deploying now is risky (late Friday, evenings, freezes, holidays —
 * while the author is not on shift to watch it) and says so where deploys start: VS Code tasks, terminal
 * commands (shell integration), `git push` to protected branches (opt-in pre-push hook), and deploy files.
 */
export class DeployGuardFeature extends Disposable implements vscode.CodeLensProvider {
  private _config: DeployGuardConfig;
  private _patterns: DeployCommandPattern[] = [];
  private _deployFiles: readonly string[] = DEFAULT_DEPLOY_FILES;
  private _clock: Clock;
  private _responder: GuardResponder | undefined;
  private _coverResponder: CoverResponder | undefined;
  /** The offer to take on-call after the last "deploy anyway" (not awaited by the deploy; tests await it). */
  lastCover: Promise<CoverResult> | undefined;
  private readonly _server: PushGuardServer;
  private readonly _diagnostics = this._register(vscode.languages.createDiagnosticCollection('oncall-deploy-guard'));
  private readonly _onDidChangeCodeLenses = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this._onDidChangeCodeLenses.event;
  private _codeLensRegistration: vscode.Disposable | undefined;
  private readonly _log: Logger;
  /** What the guard warned about (for the log and the tests). */
  private readonly _warnings = new GuardWarningLog();
  /** Recent warnings, newest last (bounded). */
  get warnings(): readonly GuardWarning[] {
    return this._warnings.entries;
  }
  private _cacheTimer: IDisposable | undefined;
  /** Guard files this window wrote its port and token into (released on dispose). */
  private readonly _guardFiles = new Set<string>();
  /** Tools whose terminal wrapper asks, while the wrappers are on PATH. */
  private _wrapped = new Set<string>();
  /** Recent questions from terminal wrappers: the after-the-fact warning skips the commands they covered. */
  private readonly _wrapperAsked: Array<{ line: string; at: number }> = [];

  private readonly _connections: ConnectionFeature;
  private readonly _onCall: OnCallFeature;
  private readonly _keys: ContextKeys;
  private readonly _extensionPath: string;
  private readonly _terminal: TerminalWrapperHost | undefined;
  private readonly _deploys: Pick<DeploysFeature, 'servicesOfWorkspace'>;
  /** Issue 21: does a push change frames of open alerts? (and the links to them it made) */
  readonly pushAlerts: PushAlertCheck;

  constructor(
    private readonly _ctx: HostContext,
    peers: { readonly onCall: OnCallFeature; readonly deploys: Pick<DeploysFeature, 'servicesOfWorkspace'>; readonly frames?: AlertFrames; readonly fixes?: FixLinker },
  ) {
    super();
    this.pushAlerts = new PushAlertCheck(_ctx, peers.frames, peers.fixes);
    this._connections = _ctx.connections;
    this._onCall = peers.onCall;
    this._deploys = peers.deploys;
    this._keys = _ctx.keys;
    this._extensionPath = _ctx.paths.extensionPath;
    this._terminal = { collection: _ctx.environmentVariableCollection, storagePath: _ctx.paths.storagePath };
    this._clock = _ctx.clock;
    const logger = _ctx.logger;
    this._log = tagged(logger, 'deploy-guard');
    this._config = validateDeployGuardSettings({}).config;
    this._server = new PushGuardServer(logger, { push: (r) => this._onPush(r), command: (r) => this._onWrappedCommand(r) });
    this._register(toDisposable(() => {
      // The window is going: guard files must not keep pointing at a port someone else may take.
      for (const f of this._guardFiles) {
        try {
          releaseGuardFile(f, this._server.token);
        } catch (e) {
          this._log.warn(`could not clear the push guard's port from ${f}: ${errorText(e)}`);
        }
      }
      this._guardFiles.clear();
      this._server.dispose();
      this._clearWrapperPath();
    }));
    this._readSettings();
    this._register(
      _ctx.config.onDidChange((e) => {
        if (e.affects('deployGuard') || e.affects('deployFiles')) {
          this._readSettings();
          this._scheduleCacheWrite();
        }
      }),
    );
    this._register(this._onCall.onDidChange(() => this._scheduleCacheWrite()));
    this._register(vscode.tasks.onDidStartTask((e) => void this._onTask(e.execution)));
    if (typeof vscode.window.onDidStartTerminalShellExecution === 'function') {
      this._register(vscode.window.onDidStartTerminalShellExecution((e) => void this._onTerminalCommand(e)));
    }
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this._diagnose(d)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this._diagnostics.delete(d.uri)));
    // Risky windows open and close with time. On the context's clock, not `useClock`'s (a test's clock need not tick).
    this._register(_ctx.clock.setInterval(() => this._refreshEditors(), 60_000));
    this._register(toDisposable(() => this._cacheTimer?.dispose()));
    this._register(toDisposable(() => {
      this._codeLensRegistration?.dispose();
    }));
    this._register(vscode.commands.registerCommand(Commands.installPushGuard, () => this.installPushGuard()));
    this._register(vscode.commands.registerCommand(Commands.removePushGuard, () => this.removePushGuard()));
    this._register(vscode.commands.registerCommand(Commands.checkDeploy, () => this.showDecision()));
    this._refreshEditors();
    void this._resumeInstalledGuards();
  }

  /** Test seams. */
  useClock(clock: Clock): void {
    this._clock = clock;
    this._refreshEditors();
  }
  setResponder(r: GuardResponder | undefined): void {
    this._responder = r;
  }
  setCoverResponder(r: CoverResponder | undefined): void {
    this._coverResponder = r;
  }

  decide(at = this._clock.now(), service?: string): DeployDecision {
    return decideDeploy({
      at,
      author: this._ctx.identity.value,
      authorTimeZone: this._ctx.timeZone,
      schedule: this._onCall.schedule,
      config: this._config,
      ...(service ? { service } : {}),
    });
  }

  //#region settings
  private _readSettings(): void {
    // Validated (and problems logged) by Config; see core/config/settings.ts.
    const { deployGuard, deployFiles } = this._ctx.config.value;
    this._config = deployGuard.config;
    this._patterns = deployGuard.patterns;
    this._deployFiles = deployFiles;
    this._codeLensRegistration?.dispose();
    this._codeLensRegistration = vscode.languages.registerCodeLensProvider(this._selector(), this);
    this._refreshEditors();
    void this._updateWrappers();
  }

  private _selector(): vscode.DocumentFilter[] {
    return this._deployFiles.map((g) => ({ scheme: 'file', pattern: g.startsWith('**/') || g.startsWith('/') ? g : `**/${g}` }));
  }
  //#endregion

  //#region deploy files: CodeLens + diagnostic while a risky window is open
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this._config.enabled) return [];
    const d = this.decide();
    if (!d.risky) return [];
    const range = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(range, { title: vscode.l10n.t('$(warning) Deploying now is risky: {0}', firstSentence(d)), command: Commands.checkDeploy, tooltip: d.summary }),
      ...(d.saferTime ? [new vscode.CodeLens(range, { title: vscode.l10n.t('Safer: {0}', d.saferTime.text), command: Commands.checkDeploy })] : []),
    ].filter(() => vscode.languages.match(this._selector(), doc) > 0);
  }

  private _diagnose(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || vscode.languages.match(this._selector(), doc) === 0) return;
    const d = this._config.enabled ? this.decide() : undefined;
    if (!d?.risky) {
      this._diagnostics.delete(doc.uri);
      return;
    }
    const diag = new vscode.Diagnostic(new vscode.Range(0, 0, 0, Math.min(200, doc.lineAt(0).text.length)), d.summary, vscode.DiagnosticSeverity.Warning);
    diag.source = 'On Call';
    diag.code = 'risky-deploy-window';
    this._diagnostics.set(doc.uri, [diag]);
  }

  private _refreshEditors(): void {
    const risky = this._config.enabled && this.decide().risky;
    this._keys.set(Keys.riskyDeployWindow, risky);
    for (const doc of vscode.workspace.textDocuments) this._diagnose(doc);
    this._onDidChangeCodeLenses.fire();
  }
  //#endregion

  //#region tasks and terminal
  private async _onTask(execution: vscode.TaskExecution): Promise<void> {
    const task = execution.task;
    const line = taskCommandLine(task);
    // A task is warned about as it starts, with "Stop Task" (its deploy step may run much later, when a
    // terminal wrapper in it asks again).
    const match = matchDeployCommand(line, this._patterns) ?? (/\bdeploy/i.test(task.name) ? { label: `task "${task.name}"` } : undefined);
    if (!match || !this._config.enabled) return;
    const d = this.decide();
    if (!d.risky) return;
    const choice = await this._warn({ what: vscode.l10n.t('Deploy task "{0}"', displayText(task.name, 80)), decision: d, canStop: true });
    if (choice === 'stop') {
      execution.terminate();
      this._log.info(`stopped task "${task.name}" at the user's request`);
    }
  }

  private async _onTerminalCommand(e: vscode.TerminalShellExecutionStartEvent): Promise<void> {
    const line = e.execution.commandLine.value;
    const match = matchDeployCommand(line, this._patterns);
    if (!match || !this._config.enabled) return;
    // Tasks run in terminals too, and newer VS Code reports their command through shell integration:
    // the task detector already warned about it (with "Stop Task"), so one warning, not two. Checked first, at
    // the event: while the wrapper check below waits, a stopped task leaves taskExecutions.
    const trimmed = line.trim();
    if (trimmed && vscode.tasks.taskExecutions.some((t) => taskCommandLine(t.task).includes(trimmed))) return;
    // A wrapper on the terminal's PATH asks before the command runs: no warning after the fact for it.
    if (await this._coveredByWrapper(match.matched)) return;
    const d = this.decide();
    if (!d.risky) return;
    const choice = await this._warn({ what: vscode.l10n.t('"{0}" in the terminal', displayText(match.matched, 80)), decision: d, canStop: true });
    if (choice === 'stop') e.terminal.sendText('\u0003', false); // Ctrl-C to the running command
  }
  //#endregion

  //#region terminal wrappers (stop a deploy command before it runs)
  /** The folder of wrapper scripts ('' when there is none: no storage, Windows, or a path PATH cannot hold). */
  private _wrapDir(): string {
    if (!this._terminal || process.platform === 'win32') return '';
    const dir = path.join(this._terminal.storagePath, 'guard-bin');
    return dir.includes(path.delimiter) ? '' : dir;
  }

  /** The guard file the terminal wrappers read, while they are on PATH (tests). */
  get wrapperGuardFile(): string | undefined {
    return this._wrapped.size > 0 ? this._wrapperGuardFile() : undefined;
  }

  private _wrapperGuardFile(): string {
    return path.join(this._terminal?.storagePath ?? '', 'deploy-guard.json');
  }

  /** Puts the wrappers first on the integrated terminal's PATH while the guard is on; takes them off otherwise. */
  private async _updateWrappers(): Promise<void> {
    if (this.isDisposed) return;
    const dir = this._wrapDir();
    const tools = wrappedTools(this._patterns);
    if (!dir || !this._config.enabled || tools.size === 0) {
      this._clearWrapperPath();
      if (this._terminal && process.platform === 'win32') this._log.info('terminal deploy wrappers are not available on Windows: the guard warns once a deploy command has started');
      return;
    }
    try {
      await this._server.start();
      if (this.isDisposed) return; // the window closed meanwhile: no server, nothing on PATH
      const guardFile = this._wrapperGuardFile();
      this._writeGuardFileAt(guardFile);
      const asking = writeWrappers(tools, { wrapDir: dir, nodePath: this._nodePath(), cliPath: this._cliPath(), guardFile });
      this._wrapped = new Set(asking);
      const c = this._terminal!.collection;
      c.persistent = false; // re-applied on activation; never left behind by an uninstalled extension
      c.description = new vscode.MarkdownString(vscode.l10n.t('Puts the On Call deploy guard\'s wrappers for {0} first on PATH: during a risky window they ask before the command runs.', asking.join(', ')));
      // Workspace-scoped where VS Code supports it (one collection per folder); the window's collection otherwise.
      const folders = vscode.workspace.workspaceFolders ?? [];
      const targets = typeof c.getScoped === 'function' && folders.length > 0 ? folders.map((workspaceFolder) => c.getScoped({ workspaceFolder })) : [c];
      for (const t of targets) {
        t.description = c.description;
        t.prepend('PATH', `${dir}${path.delimiter}`);
      }
      this._log.info(`terminal deploy wrappers on PATH for new terminals: ${asking.join(', ')}`);
    } catch (e) {
      this._clearWrapperPath();
      if (!this.isDisposed) this._log.warn(`could not set up the terminal deploy wrappers (the guard warns after a command starts instead): ${errorText(e)}`);
    }
  }

  private _clearWrapperPath(): void {
    this._wrapped = new Set();
    const c = this._terminal?.collection;
    if (!c) return;
    for (const f of vscode.workspace.workspaceFolders ?? []) if (typeof c.getScoped === 'function') c.getScoped({ workspaceFolder: f }).clear();
    c.clear();
  }

  /** True when a wrapper asked about this command (or does within a few seconds: the two events race). */
  private async _coveredByWrapper(matched: string): Promise<boolean> {
    const tool = /^\s*[(`]?\s*([\w.+-]+)/.exec(matched)?.[1];
    if (!tool || !this._wrapped.has(tool)) return false;
    const since = Date.now() - 10_000;
    const asked = (): boolean => this._wrapperAsked.some((a) => a.at >= since && (a.line === matched || a.line.startsWith(`${matched} `) || matched.startsWith(a.line)));
    for (let i = 0; i < 25 && !asked(); i++) await new Promise((r) => setTimeout(r, 200));
    return asked();
  }

  /** A wrapper's question: before the command runs, and again with the user's reason or "cancelled". */
  private async _onWrappedCommand(r: CommandGuardRequest): Promise<PushGuardResponse> {
    const line = [r.tool, ...r.args].join(' ');
    this._wrapperAsked.push({ line, at: Date.now() });
    if (this._wrapperAsked.length > 50) this._wrapperAsked.shift();
    const match = matchDeployCommand(line, this._patterns);
    if (!match || !this._config.enabled) return { allow: true, message: '' };
    const d = this.decide();
    if (!d.risky) return { allow: true, message: '' };
    const what = vscode.l10n.t('"{0}" in the terminal', displayText(match.matched, 80));
    const p: GuardPrompt = { what, decision: d, canStop: true };
    if (r.cancelled) {
      this._noteWarning(p, 'stop');
      this._log.info(`${what}: cancelled in the terminal`);
      return { allow: false, message: '' };
    }
    if (r.reason !== undefined) {
      const ok = await this._recordOverride(p, r.reason);
      this._noteWarning(p, ok ? 'anyway' : 'stop');
      return ok ? { allow: true, message: vscode.l10n.t('running it anyway (override logged).') } : { allow: false, message: vscode.l10n.t('the reason was not accepted; the command did not run.') };
    }
    this._noteWarning(p, 'held');
    this._log.warn(`${what}: held in the terminal until answered — ${d.summary}`);
    // Short, for a terminal: the headline, who gets paged first, the safer time. Details: "On Call: Check Deploy Window".
    const parts = heldCommandParts(d);
    const lines = [vscode.l10n.t('{0} now is risky. {1}', displayText(match.matched, 80), parts.headline)];
    if (parts.pagedFirst) lines.push(parts.pagedFirst);
    if (parts.safer) lines.push(vscode.l10n.t('Safer: {0}', parts.safer));
    return { allow: false, ask: true, message: lines.map((l) => displayText(l, 400)).join('\n') };
  }

  private _noteWarning(p: GuardPrompt, choice: GuardChoice | 'held'): void {
    this._warnings.settle(p.what, p.decision.summary, choice);
  }
  //#endregion

  //#region warnings and overrides
  private async _warn(p: GuardPrompt, modal = false): Promise<GuardChoice> {
    const entry = this._warnings.add(p.what, p.decision.summary);
    this._log.warn(`${p.what}: ${p.decision.summary}`);
    let choice: GuardChoice;
    let reason: string | undefined;
    if (this._responder) {
      ({ choice, reason } = await this._responder(p));
    } else {
      const anyway = vscode.l10n.t('Deploy Anyway…');
      const stop = p.canStop ? (modal ? vscode.l10n.t('Cancel Push') : vscode.l10n.t('Stop')) : undefined;
      // One short headline; who gets paged, your next shift and the safer time on demand (the modal's detail).
      const message = vscode.l10n.t('{0}: {1}', p.what, p.decision.headline);
      const details = vscode.l10n.t('Details…');
      const askModal = (): Thenable<string | undefined> =>
        vscode.window.showWarningMessage(message, { modal: true, detail: detailText(p.decision) }, ...[anyway, stop].filter((x): x is string => !!x));
      let picked = modal ? await askModal() : await vscode.window.showWarningMessage(message, ...[stop, anyway, details].filter((x): x is string => !!x));
      if (picked === details) picked = await askModal();
      choice = choiceOf(picked, { anyway, stop }, modal);
      if (choice === 'anyway') {
        reason = await vscode.window.showInputBox({
          title: vscode.l10n.t('Deploy anyway'),
          prompt: vscode.l10n.t('Why deploy now? (logged, and posted to the alert source: a note on the open alerts where it has notes)'),
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim().length < 3 ? vscode.l10n.t('Give a short reason (3 characters or more).') : v.length > 500 ? vscode.l10n.t('At most 500 characters.') : undefined),
        });
        if (!reason) choice = modal ? 'stop' : 'dismiss';
      }
    }
    if (choice === 'anyway') {
      if (!(await this._recordOverride(p, reason ?? ''))) choice = modal ? 'stop' : 'dismiss';
    }
    entry.choice = choice;
    return choice;
  }

  /** The services this repository deploys, for the override note; [] after 2 s (git must not hold the answer up). */
  private async _services(): Promise<string[]> {
    let timer: IDisposable | undefined;
    const late = new Promise<string[]>((resolve) => {
      timer = this._ctx.clock.setTimeout(() => {
        this._log.info('the services of this repository took over 2 s to read: the override note goes on the most urgent alerts');
        resolve([]);
      }, SERVICES_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this._deploys.servicesOfWorkspace().catch(() => []), late]);
    } finally {
      timer?.dispose();
    }
  }

  private async _recordOverride(p: GuardPrompt, reason: string): Promise<boolean> {
    const id = this._ctx.identity.value;
    const v = validateDeployOverride({ at: this._clock.now(), author: { name: id || 'unknown', ...(id.includes('@') ? { email: id } : {}) }, reason, decisionSummary: p.decision.summary });
    if (!v.ok) {
      void vscode.window.showErrorMessage(vscode.l10n.t('On Call: {0}', v.errors.join(' ')));
      return false;
    }
    this._log.warn(`DEPLOY OVERRIDE by ${id || 'unknown'} (${p.what}): "${v.value.reason}" — overriding: ${p.decision.summary}`);
    const conn = this._connections.connection;
    // Protocol 1.1: where the source has notes, the reason goes on the open alerts as a note (the responders of
    // what is on fire see why someone deploys now); the most urgent few, not every open alert.
    const responder = responderOf(conn);
    const canNote = !!conn && responder?.unsupportedReason('note') === undefined;
    const targets = canNote ? overrideNoteTargets(conn.store.sorted(), await this._services(), OVERRIDE_NOTE_ALERTS) : { alerts: [], why: '' };
    const open = targets.alerts;
    if (responder && open.length > 0) {
      const text = overrideAnnotation(v.value).text;
      const results = await Promise.allSettled(open.map((a) => responder.note(a.id, text)));
      const failed = results.flatMap((x, i) => (x.status === 'rejected' ? [`${open[i]!.id}: ${x.reason instanceof Error ? x.reason.message : String(x.reason)}`] : []));
      this._log.info(`override posted as a note on ${open.length - failed.length} open alert(s), ${targets.why}: ${open.map((a) => a.id).join(', ')}`);
      if (failed.length) this._log.warn(`could not post the override note on ${failed.join('; ')}`);
    } else if (conn?.state.server?.capabilities.includes('annotate')) {
      try {
        await conn.annotate(overrideAnnotation(v.value));
        this._log.info('override sent to the alert source as an annotation');
      } catch (e) {
        this._log.warn(`could not send the override to the alert source: ${errorText(e)}`);
      }
    }
    // Off shift in a risky window: offer to be the one paged for the watch window. Not awaited: the deploy goes on.
    this.lastCover = this._offerCover(p).catch((e: unknown): CoverResult => {
      this._log.warn(`cover offer failed: ${errorText(e)}`);
      return { kind: 'failed', why: errorText(e) };
    });
    return true;
  }

  /** "Take on-call for the watch window": an `override` on the rotation that would page, for [now, now + watch]. */
  private async _offerCover(p: GuardPrompt): Promise<CoverResult> {
    const at = this._clock.now();
    const me = this._ctx.identity.value;
    const offer = coverOffer(p.decision, this._onCall.schedule, me, at);
    if (!offer.ok) {
      this._log.info(`no cover offer after the override: ${offer.why}`);
      return { kind: 'notOffered', why: offer.why };
    }
    const zone = this._ctx.timeZone;
    const window = `${formatShiftTime(offer.start, zone, at)}–${formatShiftTime(offer.end, zone, at)}`;
    const rotationName = displayText(offer.rotation.name, 60);
    const conn = this._connections.connection;
    const r = responderOf(conn);
    const why = r ? r.unsupportedReason('override') : conn ? vscode.l10n.t('a direct ntfy or Gotify connection has no on-call schedule to change') : vscode.l10n.t('not connected to an alert source');
    if (!r || why !== undefined) {
      const text = why ?? '';
      this._log.info(`cannot offer to take on-call for the watch window: ${text}`);
      void vscode.window.showInformationMessage(vscode.l10n.t('On Call: you deployed while off shift, so {0} gets paged if it breaks. The alert source cannot put you on call for the watch window: {1}', offer.replacing.length ? offer.replacing.map((n) => displayText(n, 40)).join(', ') : rotationName, displayText(text, 300)));
      return { kind: 'unsupported', why: text };
    }
    const take = vscode.l10n.t('Take On-Call for the Watch Window');
    const who = offer.replacing.length ? offer.replacing.map((n) => displayText(n, 40)).join(', ') : vscode.l10n.t('whoever is on {0}', rotationName);
    const yes = this._coverResponder
      ? await this._coverResponder(offer)
      : (await vscode.window.showInformationMessage(vscode.l10n.t('You deployed anyway while off shift: {0} gets paged if it breaks. Take on-call for {1} for the watch window ({2}), so you are the one paged?', who, rotationName, window), take)) === take;
    if (!yes) return { kind: 'declined' };
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('On Call: putting you on call for {0}…', rotationName) }, () =>
        r.override({ rotationId: offer.rotation.id, start: new Date(offer.start), end: new Date(offer.end) }),
      );
    } catch (e) {
      const msg = errorText(e);
      this._log.warn(`override for the watch window failed: ${msg}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('On Call: could not put you on call for {0}: {1}', rotationName, displayText(msg, 300)));
      return { kind: 'failed', why: msg };
    }
    // Show the resulting override as the source has it: wait briefly for its schedule to put me on the rotation.
    const mid = offer.start + Math.min(60_000, (offer.end - offer.start) / 2);
    const onIt = (): boolean => this._onCall.schedule.whoIsOnCall(offer.rotation.id, mid).some((x) => matchesIdentity(x, me));
    let shown = onIt();
    if (!shown) {
      shown = await new Promise<boolean>((resolve) => {
        const sub = this._onCall.onDidChange(() => {
          if (!onIt()) return;
          done.dispose();
          resolve(true);
        });
        const timer = this._ctx.clock.setTimeout(() => {
          done.dispose();
          resolve(onIt());
        }, 10_000);
        const done = { dispose: () => (sub.dispose(), timer.dispose()) };
      });
    }
    this._log.info(`took on-call for ${offer.rotation.id} ${new Date(offer.start).toISOString()}..${new Date(offer.end).toISOString()} (${shown ? 'in the schedule' : 'not in the schedule yet'})`);
    void vscode.window.showInformationMessage(
      shown
        ? vscode.l10n.t('On Call: you are on call for {0} {1}: pages for the watch window come to you.', rotationName, window)
        : vscode.l10n.t('On Call: the source accepted your override for {0} {1}, but its schedule does not show it yet: check the On Call view.', rotationName, window),
    );
    return { kind: 'taken', rotationId: offer.rotation.id, start: offer.start, end: offer.end, shown };
  }

  showDecision(): DeployDecision {
    const d = this.decide();
    const msg = d.risky ? d.headline : vscode.l10n.t('Deploying now looks fine. {0}', d.headline);
    void (d.risky ? vscode.window.showWarningMessage(msg, { modal: false, detail: detailText(d) }) : vscode.window.showInformationMessage(msg));
    return d;
  }
  //#endregion

  //#region pre-push hook
  private async _onPush(req: PushGuardRequest): Promise<PushGuardResponse> {
    const branches = req.branches.map((b) => displayText(b, 60)).join(', ');
    const what = req.remote ? vscode.l10n.t('Push to {0} ({1})', branches, displayText(req.remote, 40)) : vscode.l10n.t('Push to {0}', branches);
    // Which open alerts' frames this push changes (issue 21): said in the hook's output, and a link is offered.
    const root = (await this._folders()).find((r) => r.root === req.repo || r.gitDir === path.join(req.repo, '.git'))?.root ?? req.repo;
    const touched = this._config.enabled ? await this.pushAlerts.check(req, root) : { hits: [], lines: [] };
    if (touched.lines.length) this._log.warn(`${what}: ${touched.lines.join('; ')}`);
    const withHits = (m: string): string => [...touched.lines, m].join('\n');
    const d = this.decide();
    if (!this._config.enabled || !d.risky) {
      if (touched.hits.length) void this.pushAlerts.offerLink(touched.hits, req);
      return { allow: true, message: withHits(vscode.l10n.t('the deploy window is fine')) };
    }
    const choice = await this._warn({ what: touched.lines.length ? `${what} — ${touched.lines[0]}` : what, decision: d, canStop: true }, true);
    if (choice === 'anyway' && touched.hits.length) void this.pushAlerts.offerLink(touched.hits, req);
    return choice === 'anyway'
      ? { allow: true, message: withHits(vscode.l10n.t('deploying anyway (override logged): {0}', d.summary)) }
      : { allow: false, message: withHits(vscode.l10n.t('push stopped in the editor: {0}', d.summary)) };
  }

  private _nodePath(): string {
    return process.execPath;
  }

  private _cliPath(): string {
    return path.join(this._extensionPath, 'dist', 'guard-cli.js');
  }

  private async _folders(): Promise<Array<NonNullable<Awaited<ReturnType<typeof repoPaths>>>>> {
    const out = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      const p = await repoPaths(f.uri.fsPath);
      if (p) out.push(p);
    }
    return out;
  }

  async installPushGuard(): Promise<string[]> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: installing the push guard runs git and writes a git hook, so it needs a trusted workspace.'), vscode.l10n.t('Manage Workspace Trust')).then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return [];
    }
    const repos = await this._folders();
    if (repos.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('On Call: no git repository in this workspace to guard.'));
      return [];
    }
    await this._server.start();
    const done: string[] = [];
    for (const r of repos) {
      const foreign = foreignHooksDir(r);
      if (foreign) {
        this._refuseForeignHooks(r, foreign);
        continue;
      }
      const how = installHook(r, this._nodePath(), this._cliPath());
      this._writeCache(r);
      done.push(r.root);
      this._log.info(`push guard ${how} in ${r.root}${how === 'chained' ? ' (your existing pre-push hook runs first)' : ''}`);
    }
    if (done.length === 0) return done;
    void vscode.window.showInformationMessage(
      done.length === 1
        ? vscode.l10n.t('On Call: push guard installed in {0} repository. Pushes to protected branches during risky windows now ask first.', done.length)
        : vscode.l10n.t('On Call: push guard installed in {0} repositories. Pushes to protected branches during risky windows now ask first.', done.length),
    );
    return done;
  }

  /** core.hooksPath leads outside the repository: say where, why not, and what to do instead. */
  private _refuseForeignHooks(r: RepoPaths, foreign: { dir: string; tracked: boolean }): void {
    const why = foreign.tracked
      ? vscode.l10n.t('On Call: not installing the push guard in {0}: core.hooksPath points to {1}, a folder tracked in the repository — the hook would put this machine\'s paths into your team\'s shared hooks.', r.root, foreign.dir)
      : vscode.l10n.t('On Call: not installing the push guard in {0}: core.hooksPath points to {1}, outside the repository\'s git folder — a hook there would run for every repository that uses it.', r.root, foreign.dir);
    const todo = vscode.l10n.t('To use the guard, add the copied line to the pre-push hook in {0} yourself, or unset core.hooksPath for this repository and install again.', foreign.dir);
    this._log.warn(`${why} ${todo}`);
    const copy = vscode.l10n.t('Copy Hook Line');
    void vscode.window.showWarningMessage(why, { modal: false, detail: todo }, copy).then(async (a) => {
      if (a === copy) await vscode.env.clipboard.writeText(hookCallLine(this._nodePath(), this._cliPath()));
    });
  }

  async removePushGuard(): Promise<string[]> {
    const removed: string[] = [];
    for (const r of await this._folders()) if (removeHook(r)) removed.push(r.root);
    this._log.info(`push guard removed from ${removed.length} repositories`);
    void vscode.window.showInformationMessage(removed.length ? vscode.l10n.t('On Call: push guard removed (any hook it had chained is back).') : vscode.l10n.t('On Call: no push guard was installed.'));
    return removed;
  }

  /** On activation: a repo that has our hook gets this window's port/token and fresh paths (the extension may have moved on update). */
  private async _resumeInstalledGuards(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const repos = (await this._folders()).filter((r) => !foreignHooksDir(r) && isOurHook(path.join(r.hooksDir, 'pre-push')));
    if (repos.length === 0 || this.isDisposed) return;
    try {
      await this._server.start();
    } catch (e) {
      if (!this.isDisposed) this._log.warn(`could not start the push guard's server: ${errorText(e)}`);
      return;
    }
    for (const r of repos) {
      installHook(r, this._nodePath(), this._cliPath());
      this._writeCache(r);
    }
  }

  private _scheduleCacheWrite(): void {
    if (this._cacheTimer || !this._server.port) return;
    this._cacheTimer = this._ctx.clock.setTimeout(() => {
      this._cacheTimer = undefined;
      void this._folders().then((repos) => repos.filter((r) => !foreignHooksDir(r) && isOurHook(path.join(r.hooksDir, 'pre-push'))).forEach((r) => this._writeCache(r)));
      if (this._wrapped.size > 0) this._writeGuardFileAt(this._wrapperGuardFile());
    }, 2000);
  }

  private _writeCache(r: RepoPaths): void {
    try {
      this._writeGuardFileAt(path.join(r.gitDir, 'oncall', 'guard.json'), () => writeGuardFile(r, this._guardFileContent()));
    } catch (e) {
      this._log.warn(`could not write the push guard cache in ${r.root}: ${errorText(e)}`);
    }
  }

  /** Writes a guard file with this window's port and token, and remembers it so dispose() can take them out again. */
  private _writeGuardFileAt(file: string, write?: () => void): void {
    if (write) write();
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(this._guardFileContent()), { mode: 0o600 });
      fs.renameSync(tmp, file);
    }
    if (this._server.port) this._guardFiles.add(file);
  }

  private _guardFileContent(): PushGuardFile {
    const s = this._onCall.schedule;
    const file: PushGuardFile = {
      version: 1,
      ...(this._server.port ? { port: this._server.port, token: this._server.token } : {}),
      updatedAt: new Date(this._clock.now()).toISOString(),
      cache: {
        identity: this._ctx.identity.value,
        timeZone: this._ctx.timeZone,
        settings: this._ctx.config.value.deployGuard.raw,
        rotations: [...s.rotations],
        policies: [...s.policies],
      },
    };
    return file;
  }
  //#endregion
}

function taskCommandLine(task: vscode.Task): string {
  const ex = task.execution;
  const str = (x: string | vscode.ShellQuotedString): string => (typeof x === 'string' ? x : x.value);
  if (ex instanceof vscode.ShellExecution) return ex.commandLine ?? [ex.command ? str(ex.command) : '', ...(ex.args ?? []).map(str)].join(' ');
  if (ex instanceof vscode.ProcessExecution) return [ex.process, ...ex.args].join(' ');
  return task.name;
}

function firstSentence(d: DeployDecision): string {
  const rule = d.rules[0]?.label ?? vscode.l10n.t('risky window');
  const paged = d.pagedInstead?.[0]?.text;
  return `${displayText(rule, 80)}${paged ? ` — ${displayText(paged, 120)}` : ''}`;
}

/** The decision's details (core/deploy/guardText: each person once, next shift, safer time), one per line. */
function detailText(d: DeployDecision): string {
  return d.details.map((l) => `• ${displayText(l, 300)}`).join('\n');
}
