import { adviceFor, type Advice } from '../../core/viewModel/deploys/text';
import { isMyDeploy, myDeployBefore, nextWindowEnd, openWatchWindows, watchingSummary, type WatchingSummary } from '../../core/viewModel/deploys/watch';
import { compileTagRules, mergeDeploys, type CompiledTagRule, type DeployRecord, type TagInfo } from '../../core/git';
import type { Alert, Deploy } from '../../core/protocol/types';
import type { AlertSourceConnection } from '../../core/transport/connection';
import type { Clock } from '../../core/util/clock';
import { Disposable, toDisposable, type DisposableStore, type IDisposable } from '../../core/util/disposable';
import { Emitter, type Event } from '../../core/util/event';
import type { Logger } from '../../core/util/logger';
import { errorText } from '../../core/util/errors';


/** Why the history has no git tags. */
export type TagProblem = { kind: 'restricted' } | { kind: 'error'; advice: Advice };

type DeploysConnection = Pick<AlertSourceConnection, 'deploys' | 'store' | 'onDidChangeDeploys'>;

/** The connection as far as deploys are concerned (`ConnectionFeature`, or a fake in unit tests). */
export interface DeploysConnections {
  readonly connection: DeploysConnection | undefined;
  whileConnected(fn: (conn: DeploysConnection | undefined, scope: DisposableStore) => void): IDisposable;
}

export interface DeploysModelPeers {
  readonly connections: DeploysConnections;
  readonly clock: Clock;
  readonly log: Logger;
  /** Who I am (oncall.identity or git user.email): deploys by me are watched. */
  readonly identity: () => string;
  /** `oncall.deploys.watchMinutes` (validated by the settings table: 0..1440, else the default). */
  readonly watchMinutes: () => number;
  /** `oncall.deploys.tagPatterns`, compiled (validated, problems logged, by the settings table). */
  readonly tagRules: () => readonly CompiledTagRule[];
  readonly isTrusted: () => boolean;
  /** Reads the primary repository's tags matching the globs; undefined without a repository. Throws on git errors. */
  readonly readTags: (globs: string[]) => Promise<{ root: string; tags: TagInfo[] } | undefined>;
}

/**
 * The deploys model (no UI): deploy events of the connection merged with git tags into one history, and
 * "stick around after your deploy" — the watch windows of my deploys, re-evaluated when one closes.
 * The view (`DeploysFeature`) renders it and offers the commands.
 */
export class DeploysModel extends Disposable {
  private readonly _onDidChangeHistory = this._register(new Emitter<void>());
  /** The merged history changed (events arrived, tags re-read). */
  readonly onDidChangeHistory: Event<void> = this._onDidChangeHistory.event;
  private readonly _onDidChangeWatching = this._register(new Emitter<void>());
  /** The watch started or ended (a deploy of mine arrived, a window closed): the status bar re-reads `watching()`. */
  readonly onDidChangeWatching: Event<void> = this._onDidChangeWatching.event;
  private _tags: { root: string; tags: TagInfo[] } | undefined;
  private _tagProblem: TagProblem | undefined;
  private _rules: CompiledTagRule[] = [];
  private _history: DeployRecord[] = [];
  private _watchTimer: IDisposable | undefined;

  constructor(private readonly _p: DeploysModelPeers) {
    super();
    this._register(toDisposable(() => this._watchTimer?.dispose()));
    this._register(
      _p.connections.whileConnected((conn, scope) => {
        if (conn) scope.add(conn.onDidChangeDeploys(() => this.remerge()));
        this.remerge();
      }),
    );
  }

  /** Merged deploy history (events + tags), oldest first. */
  get history(): readonly DeployRecord[] {
    return this._history;
  }

  get tagProblem(): TagProblem | undefined {
    return this._tagProblem;
  }

  get watchMs(): number {
    return this._p.watchMinutes() * 60_000;
  }

  get events(): readonly Deploy[] {
    return this._p.connections.connection?.deploys ?? [];
  }

  /** For the status bar: "Watching deploy a1b2c3d · 0 new alerts · 25 min left". */
  watching(): WatchingSummary | undefined {
    const conn = this._p.connections.connection;
    if (!conn) return undefined;
    return watchingSummary(conn.deploys, conn.store.values(), this._p.identity(), this._p.clock.now(), this.watchMs);
  }

  /** Ids of my deploys being watched now. */
  watchingIds(): ReadonlySet<string> {
    return new Set(openWatchWindows(this.events, this._p.identity(), this._p.clock.now(), this.watchMs).map((w) => w.deploy.id));
  }

  isMine(r: DeployRecord): boolean {
    return r.origin !== 'tag' && r.author !== undefined && isMyDeploy({ author: r.author }, this._p.identity());
  }

  /** For notifications: the alert started during the watch window of a deploy of mine on its service. */
  startedAfterMyDeploy(alert: Alert): boolean {
    return myDeployBefore(alert, this.events, this._p.identity(), this.watchMs) !== undefined;
  }

  /** The deploy of mine this alert started after, if any (a row under the alert). */
  myDeployBefore(alert: Alert): { sha: string; minutesAfter: number } | undefined {
    const w = myDeployBefore(alert, this.events, this._p.identity(), this.watchMs);
    return w && { sha: w.deploy.commitSha, minutesAfter: Math.max(0, Math.round((Date.parse(alert.startedAt) - w.start) / 60_000)) };
  }

  /** Re-reads the tag patterns and the git tags (git only in a trusted workspace). Does not re-merge. */
  async loadTags(): Promise<void> {
    const rules = [...this._p.tagRules()];
    this._rules = rules;
    this._tags = undefined;
    this._tagProblem = undefined;
    if (!this._p.isTrusted()) {
      this._tagProblem = { kind: 'restricted' };
      return;
    }
    if (rules.length === 0) return;
    try {
      const read = await this._p.readTags(rules.map((r) => r.glob));
      if (!read) return;
      this._tags = read;
      this._p.log.info(`read ${read.tags.length} deploy tag(s) from ${read.root}`);
    } catch (e) {
      this._p.log.warn(`could not read git tags: ${errorText(e)}`);
      this._tagProblem = { kind: 'error', advice: adviceFor(e) };
    }
  }

  /** Merges events and tags again, then re-evaluates the watch. */
  remerge(): void {
    const events = this.events;
    try {
      this._history = mergeDeploys(events, this._tags?.tags ?? [], this._rules.length > 0 ? this._rules : compileTagRules([]));
    } catch (e) {
      this._p.log.warn(`could not merge deploys: ${errorText(e)}`);
      this._history = mergeDeploys(events, []);
    }
    this._onDidChangeHistory.fire();
    this.watchChanged();
  }

  /** Re-evaluates the watch windows and sets a timer for the next window end. */
  watchChanged(): void {
    this._watchTimer?.dispose();
    this._watchTimer = undefined;
    const now = this._p.clock.now();
    const end = nextWindowEnd(this.events, this._p.identity(), now, this.watchMs);
    if (end !== undefined) {
      this._watchTimer = this._p.clock.setTimeout(() => this.watchChanged(), Math.max(1000, end - now + 50));
    }
    this._onDidChangeWatching.fire();
  }
}
