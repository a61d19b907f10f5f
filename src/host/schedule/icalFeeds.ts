import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ICalParseResult, ICalFeedOptions } from '../../core/schedule/ical';
import type { Rotation } from '../../core/protocol/types';
import { isLoopbackHost } from '../../core/transport/urlPolicy';
import type { Clock } from '../../core/util/clock';
import { Emitter, type Event } from '../../core/util/event';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { Commands } from '../constants';
import { Disposable, toDisposable } from '../lifecycle';

export interface FeedSetting {
  name: string;
  url?: string;
  rotationId?: string;
  role?: string;
  pair?: string;
}

type IcalModule = { parseICalFeed: (text: string, options: ICalFeedOptions) => ICalParseResult };

const MAX_BYTES = 5 * 1024 * 1024;
const REFRESH_MS = 15 * 60_000;
const SECRET_PREFIX = 'oncall.ical:';

/**
 * On-call schedules from iCal feeds (PagerDuty, Opsgenie, Splunk On-Call, Grafana and calendar apps export
 * them): fetched every 15 min, parsed with recurrence rules and time zones, merged into the schedule.
 * Feed URLs usually carry a secret token, so they live in SecretStorage unless the setting names a URL.
 * The parser (ical.js) is loaded only when a feed is configured, keeping the extension bundle small.
 */
export class ICalFeeds extends Disposable {
  private _rotations: Rotation[] = [];
  private readonly _errors = new Map<string, string>();
  private _mod: IcalModule | undefined;
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange: Event<void> = this._onDidChange.event;
  private readonly _log: Logger;
  private _running: Promise<void> | undefined;

  constructor(
    private readonly _secrets: vscode.SecretStorage,
    private readonly _clock: Clock,
    logger: Logger,
    private readonly _extensionPath: string,
    private readonly _timeZone: () => string,
  ) {
    super();
    this._log = tagged(logger, 'ical');
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('oncall.schedule.icalFeeds') && void this.refresh()));
    this._register(_secrets.onDidChange((e) => e.key.startsWith(SECRET_PREFIX) && void this.refresh()));
    const t = setInterval(() => void this.refresh(), REFRESH_MS);
    this._register(toDisposable(() => clearInterval(t)));
    this._register(vscode.commands.registerCommand(Commands.setICalFeedUrl, () => this._setFeedUrl()));
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

  feeds(): FeedSetting[] {
    const raw = vscode.workspace.getConfiguration('oncall').get<unknown>('schedule.icalFeeds');
    if (!Array.isArray(raw)) return [];
    const out: FeedSetting[] = [];
    const seen = new Set<string>();
    raw.forEach((f: unknown, i) => {
      const o = f && typeof f === 'object' ? (f as Record<string, unknown>) : {};
      const name = typeof o.name === 'string' ? o.name.trim().slice(0, 100) : '';
      if (!name || seen.has(name)) {
        this._log.warn(`setting oncall.schedule.icalFeeds[${i}]: needs a unique "name"; ignored`);
        return;
      }
      seen.add(name);
      const str = (k: string): string | undefined => (typeof o[k] === 'string' && (o[k]).length < 2000 ? (o[k]) : undefined);
      out.push({ name, url: str('url'), rotationId: str('rotationId'), role: str('role'), pair: str('pair') });
    });
    return out;
  }

  /** Fetches and parses every feed; one run at a time. */
  refresh(): Promise<void> {
    this._running ??= this._refresh().finally(() => (this._running = undefined));
    return this._running;
  }

  private async _refresh(): Promise<void> {
    const feeds = this.feeds();
    const rotations: Rotation[] = [];
    const errors = new Map<string, string>();
    for (const f of feeds) {
      try {
        const url = f.url ?? (await this._secrets.get(SECRET_PREFIX + f.name));
        if (!url) throw new Error(vscode.l10n.t('no URL: run "On Call: Set iCal Feed URL…"'));
        const text = await fetchFeed(url);
        const r = this._parser().parseICalFeed(text, {
          now: this._clock.now(),
          horizonDays: 35,
          rotationId: f.rotationId ?? `ical:${f.name}`,
          rotationName: f.name,
          timeZone: this._timeZone(),
          ...(f.role ? { role: f.role } : {}),
          ...(f.pair ? { pair: f.pair } : {}),
        });
        if (!r.ok) throw new Error(r.error.message);
        for (const w of r.warnings.slice(0, 5)) this._log.debug(`feed "${f.name}": ${w}`);
        rotations.push(r.rotation);
      } catch (e) {
        errors.set(f.name, e instanceof Error ? e.message : String(e));
      }
    }
    for (const [name, err] of errors) if (this._errors.get(name) !== err) this._log.warn(`iCal feed "${name}": ${err}`);
    this._errors.clear();
    for (const [k, v] of errors) this._errors.set(k, v);
    this._rotations = rotations;
    if (feeds.length) this._log.info(`iCal feeds: ${rotations.length} of ${feeds.length} loaded`);
    this._onDidChange.fire();
  }

  private _parser(): IcalModule {
    // A separate bundle (dist/ical.js), required only when a feed exists.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this._mod ??= require(path.join(this._extensionPath, 'dist', 'ical.js')) as IcalModule;
    return this._mod;
  }

  private async _setFeedUrl(): Promise<void> {
    const names = this.feeds().map((f) => f.name);
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
      const raw = vscode.workspace.getConfiguration('oncall').get<unknown[]>('schedule.icalFeeds') ?? [];
      await vscode.workspace.getConfiguration('oncall').update('schedule.icalFeeds', [...raw, { name }], vscode.ConfigurationTarget.Global);
    }
    await this.refresh();
  }
}

/** Only https (webcal:// is https); plain http only to this machine. Returns an error text or undefined. */
export function checkFeedUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.replace(/^webcals?:\/\//i, 'https://'));
  } catch {
    return vscode.l10n.t('not a URL');
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  return vscode.l10n.t('use an https:// (or webcal://) URL');
}

async function fetchFeed(url: string): Promise<string> {
  const problem = checkFeedUrl(url);
  if (problem) throw new Error(problem);
  const res = await fetch(url.replace(/^webcals?:\/\//i, 'https://'), { signal: AbortSignal.timeout(15_000), redirect: 'follow' });
  if (!res.ok) throw new Error(`HTTP ${res.status} ${displayText(res.statusText, 60)}`);
  const len = Number(res.headers.get('content-length') ?? 0);
  if (len > MAX_BYTES) throw new Error(vscode.l10n.t('feed larger than 5 MB'));
  const buf = await res.arrayBuffer();
  if (buf.byteLength > MAX_BYTES) throw new Error(vscode.l10n.t('feed larger than 5 MB'));
  return new TextDecoder().decode(buf);
}
