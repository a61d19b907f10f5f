import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Rotation } from '../../core/protocol/types';
import { FEED_MAX_BYTES, feedUrlProblem, fetchFeedText } from '../../core/schedule/icalFetch';
import { parseICalFeedInWorker } from '../../core/schedule/icalIsolated';
import { feedUrl, type FeedSetting } from '../../core/schedule/icalSettings';
import type { Clock } from '../../core/util/clock';
import { Emitter, type Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import type { Config } from '../config';
import { Commands } from '../constants';
import type { HostServices } from '../services';
import { Disposable, toDisposable } from '../../core/util/disposable';
import { errorText } from '../../core/util/errors';

const REFRESH_MS = 15 * 60_000;
const SECRET_PREFIX = 'oncall.ical:';
/** Feeds parsed at the same time (each in its own worker with its own heap limit). */
const CONCURRENCY = 2;

/**
 * On-call schedules from iCal feeds (PagerDuty, Opsgenie, Splunk On-Call, Grafana and calendar apps export
 * them): fetched every 15 min, parsed with recurrence rules and time zones, merged into the schedule.
 * Feed URLs usually carry a secret token, so they live in SecretStorage unless the setting names a URL;
 * a keychain URL always wins over a URL in settings with the same feed name.
 * Feeds come from user settings, and from workspace settings only in a trusted workspace (a workspace must
 * not make the editor fetch or parse anything). Each feed is parsed in a worker thread (dist/icalWorker.js)
 * with a wall-clock and a memory limit: ical.js can loop for ever on some recurrence rules, and that must
 * cost one feed, never the extension host.
 */
export class ICalFeeds extends Disposable {
  private _rotations: Rotation[] = [];
  private readonly _errors = new Map<string, string>();
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange: Event<void> = this._onDidChange.event;
  private readonly _log: Logger;
  private _running: Promise<void> | undefined;
  private _again = false;
  /** Stops running parses when the extension deactivates (a worker can otherwise run up to its time limit). */
  private readonly _stop = new AbortController();

  private readonly _secrets: vscode.SecretStorage;
  private readonly _clock: Clock;
  private readonly _extensionPath: string;
  private readonly _timeZone: () => string;
  private readonly _config: Config;

  constructor(ctx: HostServices) {
    super();
    this._secrets = ctx.secretStorage;
    this._clock = ctx.clock;
    this._extensionPath = ctx.paths.extensionPath;
    // The zone recurrences are expanded in: the setting as given, else this machine's.
    this._timeZone = () => ctx.config.value.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    this._log = tagged(ctx.logger, 'ical');
    this._config = ctx.config;
    // Config also fires this when the workspace is trusted (its feeds count from then on).
    this._register(this._config.onDidChange((e) => e.affects('schedule.icalFeeds') && void this.refresh()));
    this._register(this._secrets.onDidChange((e) => e.key.startsWith(SECRET_PREFIX) && void this.refresh()));
    this._register(toDisposable(() => this._stop.abort()));
    this._register(this._clock.setInterval(() => void this.refresh(), REFRESH_MS));
    this._register(vscode.commands.registerCommand(Commands.setICalFeedUrl, (args?: unknown) => this._setFeedUrl(args)));
    this._register(vscode.commands.registerCommand(Commands.refreshSchedule, () => this.refresh()));
    void this.refresh();
  }

  get rotations(): readonly Rotation[] {
    return this._rotations;
  }

  /** Feed name → what is wrong with it (shown in the On Call view and logged once). */
  get errors(): ReadonlyMap<string, string> {
    return this._errors;
  }

  /**
   * The configured feeds. In an untrusted workspace only the user's own settings count (the setting is also
   * in `restrictedConfigurations`; `inspect()` makes it explicit and independent of that). In a trusted one
   * the effective value, marked with where it came from.
   */
  feeds(): FeedSetting[] {
    return this._config.value.icalFeeds;
  }

  /**
   * Fetches and parses every feed; one run at a time. A request during a run (a setting changed while a
   * slow feed was still being read) runs again right after it, so the newest settings always win.
   */
  refresh(): Promise<void> {
    if (this._running) {
      this._again = true;
      return this._running;
    }
    this._running = (async () => {
      do {
        this._again = false;
        await this._refresh();
      } while (this._again && !this.isDisposed);
    })().finally(() => (this._running = undefined));
    return this._running;
  }

  private async _refresh(): Promise<void> {
    const feeds = this.feeds();
    const results = await mapLimit(feeds, CONCURRENCY, (f) => this._load(f));
    const rotations: Rotation[] = [];
    const errors = new Map<string, string>();
    results.forEach((r, i) => (r.ok ? rotations.push(r.rotation) : errors.set(feeds[i]!.name, r.error)));
    if (this.isDisposed) return;
    for (const [name, err] of errors) if (this._errors.get(name) !== err) this._log.warn(`iCal feed "${name}" skipped: ${err}`);
    this._errors.clear();
    for (const [k, v] of errors) this._errors.set(k, v);
    this._rotations = rotations;
    if (feeds.length) this._log.info(`iCal feeds: ${rotations.length} of ${feeds.length} loaded`);
    this._onDidChange.fire();
  }

  /** The URL a feed is fetched from: the keychain's wins over any setting (a workspace must not redirect it). */
  private async _urlOf(f: FeedSetting): Promise<string | undefined> {
    return feedUrl(f, await this._secrets.get(SECRET_PREFIX + f.name), vscode.workspace.isTrusted);
  }

  private async _load(f: FeedSetting): Promise<{ ok: true; rotation: Rotation } | { ok: false; error: string }> {
    try {
      const url = await this._urlOf(f);
      if (!url) return { ok: false, error: vscode.l10n.t('no URL: run "On Call: Set iCal Feed URL…"') };
      const got = await fetchFeedText(url, { maxBytes: FEED_MAX_BYTES });
      if (!got.ok) return { ok: false, error: got.message };
      const r = await parseICalFeedInWorker(
        got.text,
        {
          now: this._clock.now(),
          horizonDays: 35,
          rotationId: f.rotationId ?? `ical:${f.name}`,
          rotationName: f.name,
          timeZone: this._timeZone(),
          ...(f.role ? { role: f.role } : {}),
          ...(f.pair ? { pair: f.pair } : {}),
        },
        { workerPath: path.join(this._extensionPath, 'dist', 'icalWorker.js'), signal: this._stop.signal },
      );
      if (!r.ok) return { ok: false, error: r.error.message };
      for (const w of r.warnings.slice(0, 5)) this._log.debug(`feed "${f.name}": ${w}`);
      return { ok: true, rotation: r.rotation };
    } catch (e) {
      return { ok: false, error: errorText(e) };
    }
  }

  /** Asks for a feed and its URL; `{ name, url }` from a caller (tests, other extensions) skips the prompts. */
  private async _setFeedUrl(args?: unknown): Promise<void> {
    const names = this.feeds().map((f) => f.name);
    const given = args && typeof args === 'object' ? (args as Record<string, unknown>) : undefined;
    if (typeof given?.name === 'string' && given.name.trim() && typeof given.url === 'string') {
      const key = SECRET_PREFIX + given.name.trim().slice(0, 100);
      const problem = given.url ? checkFeedUrl(given.url.trim()) : undefined;
      if (problem) throw new Error(problem);
      // An empty URL forgets the stored one.
      await (given.url ? this._secrets.store(key, given.url.trim()) : this._secrets.delete(key));
      await this.refresh();
      return;
    }
    const NEW = vscode.l10n.t('$(add) New feed…');
    let name = names.length ? await vscode.window.showQuickPick([...names, NEW], { title: vscode.l10n.t('Set iCal Feed URL: which feed?') }) : NEW;
    if (!name) return;
    if (name === NEW) {
      name = (await vscode.window.showInputBox({ title: vscode.l10n.t('Name of the schedule (e.g. "Payments primary")'), ignoreFocusOut: true }))?.trim();
      if (!name) return;
    }
    const url = await vscode.window.showInputBox({
      title: vscode.l10n.t('iCal URL for "{0}"', name),
      prompt: vscode.l10n.t('Stored in your OS keychain: these URLs usually contain a secret token.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (checkFeedUrl(v.trim()) ?? undefined),
    });
    if (!url) return;
    await this._secrets.store(SECRET_PREFIX + name, url.trim());
    if (!names.includes(name)) {
      // Written to user settings: start from the user's own value, never copy workspace entries there.
      const user = this._config.userValue('schedule.icalFeeds');
      const raw = Array.isArray(user) ? (user as unknown[]) : [];
      await this._config.update('schedule.icalFeeds', [...raw, { name }], vscode.ConfigurationTarget.Global);
    }
    await this.refresh();
  }
}

/** Only https (webcal:// is https); plain http only to this machine. Returns an error text or undefined. */
export function checkFeedUrl(url: string): string | undefined {
  const problem = feedUrlProblem(url);
  if (problem === 'badUrl') return vscode.l10n.t('not a URL');
  if (problem) return vscode.l10n.t('use an https:// (or webcal://) URL');
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
