import * as vscode from 'vscode';
import type { DeployRecord, GitRepository } from '../../core/git';
import { decideFixWatch, deployCountsForAlert, FixLinkStore, parseFixesAlertTrailers, quietOutcome, type FixLink, type FixLinkVia, type FixWatchDeploy, type FixWatchState } from '../../core/loop/fixLinks';
import type { Alert } from '../../core/protocol/types';
import type { Clock } from '../../core/util/clock';
import { Disposable, toDisposable, type IDisposable } from '../../core/util/disposable';
import { errorText } from '../../core/util/errors';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { shortSha } from '../../core/viewModel/deploys/text';
import type { AlertsFeature } from '../alerts/alertsFeature';
import { responderOf } from '../alerts/responderActions';
import { Commands, Views } from '../constants';
import type { HostContext } from '../context';
import type { DeploysFeature } from '../deploys/deploysFeature';
import { revealInTree } from '../treeReveal';

const STATE_KEY = 'oncall.fixLinks';
/** Recent commits offered by "Link Fix Commit…". */
const PICK_COMMITS = 50;
/** Commits of one deploy range read for `Fixes-Alert` trailers, and deploys scanned per history change. */
const RANGE_COMMITS = 200;
const SCAN_DEPLOYS = 20;
/** Deploys (newest) checked for containing a fix. */
const CHECK_DEPLOYS = 50;
/** Remembered isAncestor answers / scanned deploy ids. */
const MAX_CACHE = 2000;
const TICK_MS = 30_000;

/** What the user was shown, for tests: the kind, the message and the answer. */
export interface FixWatchOffer {
  kind: 'quiet' | 'still-firing';
  alertId: string;
  deployId: string;
  message: string;
  canResolve: boolean;
  whyNot?: string;
  answer?: string;
  resolved?: boolean;
  /** Resolved without asking (`oncall.fixWatch.autoResolve`); `message` is what the user was told afterwards. */
  autoResolved?: boolean;
}

/** Test seam: answers a notification (returns the button chosen). */
export type FixWatchResponder = (offer: FixWatchOffer, buttons: string[]) => Promise<string | undefined>;
/** Test seam: picks a commit for "Link Fix Commit…" (returns the sha). */
export type FixCommitPicker = (commits: Array<{ sha: string; subject: string }>) => Promise<string | undefined>;

/**
 * Issue 21 item 3, fix → watch → resolve: links alerts to fix commits (**Link Fix Commit…**, `Fixes-Alert: <id>`
 * trailers in deploy ranges, `linkFix` for other features), keeps the links in workspaceState (bounded, validated on
 * read), and watches each linked alert once a deploy that contains the fix arrives (git `merge-base --is-ancestor`):
 * quiet for `oncall.fixWatch.quietMinutes` → "Resolve?" (through the existing Resolve action; says why not when the
 * source cannot); firing again → a warning with the deploy and the alert side by side. Decisions:
 * `core/loop/fixLinks.ts`.
 */
export class FixWatchFeature extends Disposable {
  private readonly _log: Logger;
  private _clock: Clock;
  readonly links: FixLinkStore;
  private readonly _ancestor = new Map<string, boolean>();
  private readonly _scanned = new Set<string>();
  /** alertId → deploy id already notified for (in this session; answers persist in the link). */
  private readonly _notified = new Map<string, string>();
  private readonly _states = new Map<string, FixWatchState>();
  private _responder: FixWatchResponder | undefined;
  private _picker: FixCommitPicker | undefined;
  private _timer: IDisposable | undefined;
  private _busy: Promise<void> | undefined;
  private _again = false;
  /** Every offer shown (newest last, at most 20): tests and diagnostics. */
  readonly offers: FixWatchOffer[] = [];

  constructor(
    private readonly _ctx: HostContext,
    private readonly _peers: { readonly alerts: AlertsFeature; readonly deploys: DeploysFeature },
    private readonly _memento: vscode.Memento,
  ) {
    super();
    this._log = tagged(_ctx.logger, 'fix-watch');
    this._clock = _ctx.clock;
    this.links = FixLinkStore.fromJSON(_memento.get<unknown>(STATE_KEY), () => this._clock.now(), (m) => this._log.warn(m));
    this._register(vscode.commands.registerCommand(Commands.linkFixCommit, (item?: unknown, selected?: unknown) => this.linkFixCommit(this._peers.alerts.targets(item, selected))));
    this._register(_peers.deploys.model.onDidChangeHistory(() => void this.evaluate(true)));
    this._register(
      _ctx.whileConnected((conn, scope) => {
        if (!conn) return;
        scope.add(
          conn.store.onDidChange((e) => {
            if ([...e.updated, ...e.added].some((a) => this.links.get(a.id)) || e.removed.some((id) => this.links.get(id))) void this.evaluate();
          }),
        );
        void this.evaluate(true);
      }),
    );
    this._register(_ctx.config.onDidChange((c) => c.affects('fixWatch') && void this.evaluate()));
    this._register(toDisposable(() => this._timer?.dispose()));
    this._schedule();
  }

  /** Test seams. */
  useClock(clock: Clock): void {
    this._clock = clock;
    this._schedule();
  }
  setResponder(r: FixWatchResponder | undefined): void {
    this._responder = r;
  }
  setPicker(p: FixCommitPicker | undefined): void {
    this._picker = p;
  }

  /** The last decision per linked alert. */
  state(alertId: string): FixWatchState | undefined {
    return this._states.get(alertId);
  }

  /** Links a fix commit (full sha or a rev git resolves) to an alert; saved, then the watch decides at once. */
  async linkFix(alertId: string, rev: string, via: FixLinkVia): Promise<FixLink> {
    const repo = await this._peers.deploys.primaryRepo();
    const sha = /^[0-9a-f]{40}$/.test(rev) || !repo ? rev : await repo.resolveCommit(rev);
    const title = this._ctx.connections.connection?.store.get(alertId)?.title;
    const l = this.links.link(alertId, sha, via, title);
    await this._save();
    this._log.info(`linked ${shortSha(l.shas.at(-1)!)} as a fix of ${alertId} (${via})`);
    void this.evaluate();
    return l;
  }

  /** "Link Fix Commit…": a quick pick of the newest commits of the primary repository. */
  async linkFixCommit(ids: string[]): Promise<FixLink | undefined> {
    const conn = this._ctx.connections.connection;
    if (ids.length !== 1) return this._warn(vscode.l10n.t('On Call: select one alert to link a fix commit to.'));
    const alert = conn?.store.get(ids[0]!);
    if (!alert) return this._warn(vscode.l10n.t('On Call: that alert is gone from the list.'));
    let repo: GitRepository | undefined;
    let commits: Array<{ sha: string; subject: string; authorTime: number }>;
    try {
      repo = await this._peers.deploys.primaryRepo();
      if (!repo) return this._warn(vscode.l10n.t('On Call: open the repository of the fix first (no workspace folder is a git repository).'));
      commits = await repo.commitMessages('HEAD', { max: PICK_COMMITS, maxMessageChars: 2000 });
    } catch (e) {
      return this._warn(vscode.l10n.t('On Call: could not read the commits: {0}', displayText(errorText(e), 300)));
    }
    if (commits.length === 0) return this._warn(vscode.l10n.t('On Call: the repository has no commits yet.'));
    let sha: string | undefined;
    if (this._picker) sha = await this._picker(commits.map((c) => ({ sha: c.sha, subject: c.subject })));
    else {
      const pick = await vscode.window.showQuickPick(
        commits.map((c) => ({ label: `${shortSha(c.sha)} ${displayText(c.subject, 100)}`, description: new Date(c.authorTime).toLocaleString(), sha: c.sha })),
        { title: vscode.l10n.t('Link a fix commit to "{0}"', displayText(alert.title, 60)), placeHolder: vscode.l10n.t('The commit that fixes it: when a deploy containing it arrives, the alert is watched'), matchOnDescription: true },
      );
      sha = pick?.sha;
    }
    if (!sha) return undefined;
    const l = await this.linkFix(alert.id, sha, 'command');
    const mins = this._ctx.config.value.fixWatchQuietMinutes;
    void vscode.window.showInformationMessage(vscode.l10n.t('On Call: {0} is linked as the fix of "{1}". When a deploy containing it arrives, the alert is watched for {2} min.', shortSha(sha), displayText(alert.title, 60), mins));
    return l;
  }

  /** Decides for every link (and, with `scan`, reads trailers of new deploy ranges first). Serialised. */
  evaluate(scan = false): Promise<void> {
    if (this._busy) {
      this._again ||= true;
      return this._busy;
    }
    this._busy = (async () => {
      try {
        if (scan) await this._scanTrailers();
        await this._decideAll();
      } catch (e) {
        this._log.warn(`fix watch: ${errorText(e)}`);
      } finally {
        this._busy = undefined;
        if (this._again) {
          this._again = false;
          void this.evaluate();
        }
      }
    })();
    return this._busy;
  }

  // ---- internals

  private async _scanTrailers(): Promise<void> {
    const history = this._peers.deploys.history;
    const fresh = history.filter((d) => d.previousSha && !this._scanned.has(d.id)).slice(-SCAN_DEPLOYS);
    if (fresh.length === 0) return;
    let repo: GitRepository | undefined;
    try {
      repo = await this._peers.deploys.primaryRepo();
    } catch {
      return; // untrusted or no git: trailers are read once it is
    }
    if (!repo) return;
    let linked = 0;
    for (const d of fresh) {
      this._remember(this._scanned, d.id);
      try {
        for (const c of await repo.commitMessages(d.commitSha, { from: d.previousSha!, max: RANGE_COMMITS })) {
          for (const id of parseFixesAlertTrailers(c.message)) {
            if (this.links.get(id)?.shas.includes(c.sha)) continue;
            this.links.link(id, c.sha, 'trailer', this._ctx.connections.connection?.store.get(id)?.title);
            linked++;
          }
        }
      } catch (e) {
        this._log.info(`fix watch: could not read the commits of deploy ${d.id}: ${errorText(e)}`);
      }
    }
    if (linked) {
      this._log.info(`linked ${linked} fix commit(s) from Fixes-Alert trailers`);
      await this._save();
    }
  }

  private async _decideAll(): Promise<void> {
    const conn = this._ctx.connections.connection;
    if (!conn || this.links.size === 0) return;
    const quietMs = this._ctx.config.value.fixWatchQuietMinutes * 60_000;
    const history = this._peers.deploys.history.slice(-CHECK_DEPLOYS);
    let repo: GitRepository | undefined;
    try {
      repo = await this._peers.deploys.primaryRepo();
    } catch {
      repo = undefined;
    }
    for (const link of this.links.all()) {
      const a = conn.store.get(link.alertId);
      const deploys: FixWatchDeploy[] = [];
      if (a) {
        for (const d of history) {
          if (!deployCountsForAlert(d, a)) continue;
          const w: FixWatchDeploy = { id: d.id, commitSha: d.commitSha, time: d.time, containsFix: await this._contains(repo, link.shas, d) };
          if (d.service !== undefined) w.service = d.service;
          if (d.environment !== undefined) w.environment = d.environment;
          if (d.status !== undefined) w.status = d.status;
          deploys.push(w);
        }
      }
      const s = decideFixWatch(link, a, deploys, quietMs, this._clock.now());
      this._states.set(link.alertId, s);
      if (a && (s.kind === 'quiet' || s.kind === 'still-firing')) this._offer(link, a, s, conn);
    }
  }

  /** Whether deploy `d` contains one of the fix shas: the deployed sha is one, or has one as an ancestor. */
  private async _contains(repo: GitRepository | undefined, shas: readonly string[], d: DeployRecord): Promise<boolean> {
    for (const sha of shas) {
      if (sha === d.commitSha) return true;
      if (!repo) continue;
      const key = `${sha}:${d.commitSha}`;
      let v = this._ancestor.get(key);
      if (v === undefined) {
        v = await repo.isAncestor(sha, d.commitSha).catch(() => false);
        if (this._ancestor.size >= MAX_CACHE) this._ancestor.clear();
        this._ancestor.set(key, v);
      }
      if (v) return true;
    }
    return false;
  }

  private _offer(link: FixLink, a: Alert, s: Extract<FixWatchState, { kind: 'quiet' | 'still-firing' }>, conn: NonNullable<HostContext['connections']['connection']>): void {
    const key = `${s.kind}:${s.deploy.id}`;
    if (this._notified.get(a.id) === key || link.answeredDeployId === s.deploy.id) return;
    this._notified.set(a.id, key);
    const fix = shortSha(link.shas.at(-1)!);
    const title = displayText(a.title, 60);
    const now = this._clock.now();
    const r = responderOf(conn);
    const whyNot = r ? r.unsupportedReason('resolve') : conn.state.server?.capabilities.includes('resolve') === true ? undefined : vscode.l10n.t('this source does not support resolving');
    const offer: FixWatchOffer = { kind: s.kind, alertId: a.id, deployId: s.deploy.id, message: '', canResolve: whyNot === undefined };
    if (whyNot !== undefined) offer.whyNot = whyNot;
    const buttons: string[] = [];
    const resolve = vscode.l10n.t('Resolve');
    const showDeploy = vscode.l10n.t('Show Deploy');
    const showAlert = vscode.l10n.t('Show Alert');
    if (s.kind === 'quiet') {
      const mins = Math.max(0, Math.floor((now - s.deploy.time) / 60_000));
      const outcome = quietOutcome(this._ctx.config.value.fixWatchAutoResolve, whyNot);
      if (outcome.kind === 'auto-resolve') {
        this._autoResolve(link, a, s.deploy.id, offer, fix, mins, title);
        return;
      }
      offer.message = outcome.kind === 'ask'
        ? vscode.l10n.t('On Call: fix {0} deployed {1} min ago and "{2}" stayed quiet: Resolve?', fix, mins, title)
        : outcome.autoResolve
          ? vscode.l10n.t('On Call: fix {0} deployed {1} min ago and "{2}" stayed quiet, but it was not resolved by itself (oncall.fixWatch.autoResolve): this source cannot resolve from here: {3}', fix, mins, title, displayText(outcome.whyNot, 200))
          : vscode.l10n.t('On Call: fix {0} deployed {1} min ago and "{2}" stayed quiet. It cannot be resolved from here: {3}', fix, mins, title, displayText(outcome.whyNot, 200));
      if (outcome.kind === 'ask') buttons.push(resolve);
      buttons.push(showAlert);
    } else {
      const ago = Math.max(0, Math.floor((now - s.firedAt) / 60_000));
      offer.message = vscode.l10n.t('On Call: "{0}" is still firing after fix {1} deployed (deploy {2} at {3}; fired {4} min ago).', title, fix, shortSha(s.deploy.commitSha), new Date(s.deploy.time).toLocaleTimeString(), ago);
      buttons.push(showDeploy, showAlert);
    }
    this._rememberOffer(offer);
    this._log.info(`fix watch: ${s.kind} ${a.id} after deploy ${s.deploy.id}`);
    void this._ask(offer, buttons, s.kind === 'quiet' ? 'info' : 'warning').then(async (answer) => {
      if (answer !== undefined) offer.answer = answer;
      if (answer === resolve) {
        offer.resolved = await this._peers.alerts.runAction('resolve', [a.id]);
        this.links.answered(a.id, s.deploy.id);
        await this._save();
      } else if (answer === showAlert || answer === showDeploy) {
        if (s.kind === 'still-firing') {
          this.links.answered(a.id, s.deploy.id);
          await this._save();
        }
        await this._sideBySide(a.id, s.deploy.id, answer === showDeploy);
      }
    });
  }

  /**
   * `oncall.fixWatch.autoResolve` is on and the source can resolve: resolved through the same Resolve action as the
   * button, then the user is told (no Undo: the protocol has no reopen, and the message says so). When the source
   * refuses, the Resolve action has shown why; the user is then asked as without the setting, so nothing is lost.
   */
  private _autoResolve(link: FixLink, a: Alert, deployId: string, offer: FixWatchOffer, fix: string, mins: number, title: string): void {
    offer.autoResolved = true;
    this._log.info(`fix watch: quiet ${a.id} after deploy ${deployId}: resolving it (oncall.fixWatch.autoResolve)`);
    void (async () => {
      offer.resolved = await this._peers.alerts.runAction('resolve', [a.id]);
      const showAlert = vscode.l10n.t('Show Alert');
      if (offer.resolved) {
        this.links.answered(link.alertId, deployId);
        await this._save();
        offer.message = vscode.l10n.t('On Call: fix {0} deployed {1} min ago and "{2}" stayed quiet, so it was resolved (oncall.fixWatch.autoResolve). It cannot be reopened from here: if it fires again, it comes back as a new alert.', fix, mins, title);
        this._rememberOffer(offer);
        const answer = await this._ask(offer, [showAlert], 'info');
        if (answer !== undefined) offer.answer = answer;
        if (answer === showAlert) await this._sideBySide(a.id, deployId, false);
        return;
      }
      const resolve = vscode.l10n.t('Resolve');
      offer.message = vscode.l10n.t('On Call: fix {0} deployed {1} min ago and "{2}" stayed quiet, but resolving it by itself failed (see the error): Resolve?', fix, mins, title);
      this._rememberOffer(offer);
      const answer = await this._ask(offer, [resolve, showAlert], 'info');
      if (answer !== undefined) offer.answer = answer;
      if (answer === resolve) {
        offer.resolved = await this._peers.alerts.runAction('resolve', [a.id]);
        if (offer.resolved) {
          this.links.answered(link.alertId, deployId);
          await this._save();
        }
      } else if (answer === showAlert) await this._sideBySide(a.id, deployId, false);
    })().catch((e: unknown) => this._log.warn(`fix watch: resolving ${a.id}: ${errorText(e)}`));
  }

  private _ask(offer: FixWatchOffer, buttons: string[], level: 'info' | 'warning'): Promise<string | undefined> {
    if (this._responder) return this._responder(offer, buttons);
    return Promise.resolve(level === 'info' ? vscode.window.showInformationMessage(offer.message, ...buttons) : vscode.window.showWarningMessage(offer.message, ...buttons));
  }

  private _rememberOffer(offer: FixWatchOffer): void {
    if (this.offers.includes(offer)) return;
    this.offers.push(offer);
    if (this.offers.length > 20) this.offers.shift();
  }

  /** The deploy row and the alert, side by side: both views revealed. */
  private async _sideBySide(alertId: string, deployId: string, deployFirst: boolean): Promise<void> {
    const record = this._peers.deploys.history.find((d) => d.id === deployId);
    const revealDeploy = async (): Promise<void> => {
      if (!record) return;
      await vscode.commands.executeCommand(`${Views.deploys}.focus`).then(undefined, () => undefined);
      await this._peers.deploys.view.reveal({ kind: 'deploy', record }, { select: true, focus: false }).then(undefined, () => undefined);
    };
    const revealAlert = async (): Promise<void> => {
      const p = this._peers.alerts.provider;
      await vscode.commands.executeCommand(`${Views.alerts}.focus`).then(undefined, () => undefined);
      await revealInTree(this._peers.alerts.view, () => p.alertRowFor(alertId), { select: true, focus: false, expand: true }).then(undefined, () => undefined);
    };
    if (deployFirst) {
      await revealAlert();
      await revealDeploy();
    } else {
      await revealDeploy();
      await revealAlert();
    }
  }

  private _schedule(): void {
    this._timer?.dispose();
    this._timer = this._clock.setInterval(() => void this.evaluate(), TICK_MS);
  }

  private _remember(set: Set<string>, v: string): void {
    if (set.size >= MAX_CACHE) set.clear();
    set.add(v);
  }

  private async _save(): Promise<void> {
    await Promise.resolve(this._memento.update(STATE_KEY, this.links.toJSON())).catch((e: unknown) => this._log.warn(`could not save fix links: ${errorText(e)}`));
  }

  private _warn(msg: string): undefined {
    void vscode.window.showWarningMessage(msg);
    return undefined;
  }
}
