/**
 * Which iCal feeds to read, and from which URL (pure; the host passes `inspect()` and `isTrusted`).
 * A workspace is hostile until trusted: its `.vscode/settings.json` must not make the editor fetch a URL
 * (a beacon), parse a feed (ical.js can loop for ever), or replace the schedule the user subscribed to.
 */

export interface FeedSetting {
  name: string;
  url?: string;
  rotationId?: string;
  role?: string;
  pair?: string;
  /** Where the entry comes from: user settings, or the workspace (only ever read when it is trusted). */
  source: 'user' | 'workspace';
}

/** The parts of `WorkspaceConfiguration.inspect()` that matter here. */
export interface SettingLayers {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export const MAX_FEEDS = 20;

/**
 * The feeds: in an untrusted workspace only the user's own value; in a trusted one the effective value
 * (folder over workspace over user, as VS Code resolves arrays), marked with where it came from.
 */
export function feedSettings(layers: SettingLayers | undefined, trusted: boolean, warn: (message: string) => void): FeedSetting[] {
  let raw: unknown = layers?.globalValue;
  let source: FeedSetting['source'] = 'user';
  if (trusted && layers?.workspaceFolderValue !== undefined) [raw, source] = [layers.workspaceFolderValue, 'workspace'];
  else if (trusted && layers?.workspaceValue !== undefined) [raw, source] = [layers.workspaceValue, 'workspace'];
  if (!Array.isArray(raw)) return [];
  const out: FeedSetting[] = [];
  const seen = new Set<string>();
  (raw as unknown[]).forEach((f, i) => {
    const o = f && typeof f === 'object' ? (f as Record<string, unknown>) : {};
    const name = typeof o.name === 'string' ? o.name.trim().slice(0, 100) : '';
    if (!name || seen.has(name)) {
      warn(`setting oncall.schedule.icalFeeds[${i}]: needs a unique "name"; ignored`);
      return;
    }
    seen.add(name);
    if (out.length >= MAX_FEEDS) {
      if (seen.size === MAX_FEEDS + 1) warn(`setting oncall.schedule.icalFeeds: only the first ${MAX_FEEDS} feeds are read`);
      return;
    }
    const str = (k: string): string | undefined => {
      const v = o[k];
      return typeof v === 'string' && v.length < 2000 ? v : undefined;
    };
    out.push({ name, url: str('url'), rotationId: str('rotationId'), role: str('role'), pair: str('pair'), source });
  });
  return out;
}

/**
 * The URL to fetch: the one the user keeps in the keychain for this feed name always wins (a workspace entry
 * with the same name must not redirect the user's subscription); else the setting's, and a workspace's only
 * when the workspace is trusted.
 */
export function feedUrl(feed: FeedSetting, keychainUrl: string | undefined, trusted: boolean): string | undefined {
  if (keychainUrl) return keychainUrl;
  if (feed.source === 'workspace' && !trusted) return undefined;
  return feed.url;
}
