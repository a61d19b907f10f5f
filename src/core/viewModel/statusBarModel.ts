import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { Alert } from '../protocol/types';
import { displayText } from '../util/text';

/** `loading`: connected, but the source's current alerts are still arriving (the first snapshot is not complete). */
export type ConnectionPhase = 'unconfigured' | 'connecting' | 'loading' | 'connected' | 'disconnected';

/** Most alerts the tooltip lists. */
export const TOOLTIP_TOP = 10;

/**
 * The triggered alerts, as the store keeps them: counts (O(1), exact at every update) and the few the tooltip lists
 * (most severe first, then newest; may be up to a second older than the counts during a burst).
 */
export interface FiringSummary {
  count: number;
  /** Triggered criticals: the error background needs only this. */
  critical: number;
  /** The most important triggered alerts, best first (at most TOOLTIP_TOP are shown). */
  top: readonly Alert[];
}

export interface StatusInput {
  now: number;
  /** IANA zone the user reads times in. */
  timeZone: string;
  connection: ConnectionPhase;
  /** Seconds until the next reconnect attempt, when disconnected. */
  retryInSec?: number;
  /** Since when the alert source is out of reach (epoch ms), when disconnected. */
  disconnectedSince?: number;
  /** Why, in words for the user ("connection refused — is the alert source running?"). */
  lastError?: string;
  /** Undefined while the schedule is unknown. */
  onCall?: { onCall: boolean; until?: number; nextShiftStart?: number };
  firing: FiringSummary;
  /** While loading: how many alerts have arrived so far. */
  received?: number;
  /** "Stick around after your deploy". */
  watching?: { sha: string; newAlerts: number; msLeft: number };
  demo?: boolean;
}

export interface StatusModel {
  text: string;
  tooltip: string;
  background?: 'error' | 'warning';
}

/** "Watching deploy a1b2c3d · 0 new alerts · 25 min left". */
export function watchText(w: NonNullable<StatusInput['watching']>): string {
  const min = Math.max(0, Math.ceil(w.msLeft / 60_000));
  return `Watching deploy ${w.sha.slice(0, 7)} · ${w.newAlerts} new alert${w.newAlerts === 1 ? '' : 's'} · ${min} min left`;
}

/** e.g. "Mon 09:00" in the user's zone. */
export function shortTime(t: number, timeZone: string): string {
  return format(new TZDate(t, timeZone), 'EEE HH:mm');
}

/**
 * "Not connected since 18:39 — last known state; retrying in 8 s": the same words in the status bar's tooltip,
 * the On Call view and the Alerts view's message, so nothing reads as if the state were current.
 */
export function notConnectedText(p: { now: number; timeZone: string; since?: number; retryInSec?: number; connecting?: boolean }): string {
  const since = p.since !== undefined ? ` since ${format(new TZDate(p.since, p.timeZone), p.now - p.since < 20 * 3_600_000 ? 'HH:mm' : 'EEE HH:mm')}` : '';
  const retry = p.connecting ? '; connecting…' : p.retryInSec !== undefined ? `; retrying in ${p.retryInSec} s` : '';
  return `Not connected${since} — last known state${retry}`;
}

/**
 * The one status bar item: on call or not, how many are firing, connection trouble, a deploy being
 * watched. Error background while a critical alert is unacked and I am on call; warning while disconnected.
 */
export function statusBarModel(s: StatusInput): StatusModel {
  const count = Math.max(0, s.firing.count);
  const tooltip: string[] = [];
  let text: string;
  if (s.connection === 'unconfigured') {
    return { text: '$(bell-slash) On Call: not configured', tooltip: 'On Call: connect to an alert source (click to open the view).' };
  }
  if (!s.onCall) text = '$(bell) On Call';
  else if (s.onCall.onCall) text = `$(bell) On call${s.onCall.until !== undefined ? ` until ${shortTime(s.onCall.until, s.timeZone)}` : ''}`;
  else text = `$(bell-slash) Off call${s.onCall.nextShiftStart !== undefined ? ` · next shift ${shortTime(s.onCall.nextShiftStart, s.timeZone)}` : ''}`;
  const loading = s.connection === 'loading';
  // Loading: no count yet — "0 firing" before the alerts are in would be false comfort.
  if (loading) text = `$(sync~spin) ${text.replace(/^\$\([a-z-]+\) /, '')} · loading alerts…`;
  else if (count > 0 || s.onCall?.onCall) text += ` · ${count} firing`;
  // "Stick around after your deploy": the watch says it all while it lasts.
  if (s.watching) text += ` · ${watchText(s.watching)}`;

  let background: StatusModel['background'];
  const disconnected = s.connection === 'disconnected' || s.connection === 'connecting';
  if (disconnected) {
    // Say it first, in words: an icon alone reads as "fine" to a glance.
    const retry = s.connection === 'connecting' ? 'connecting…' : s.retryInSec !== undefined ? `retrying in ${s.retryInSec} s` : '';
    text = `$(debug-disconnect) Not connected${retry ? ` · ${retry}` : ''} · ${text.replace(/^\$\([a-z-]+\) /, '')}`;
    background = 'warning';
    tooltip.push(
      s.connection === 'connecting' && s.disconnectedSince === undefined
        ? 'Connecting to the alert source…'
        : `${notConnectedText({ now: s.now, timeZone: s.timeZone, ...(s.disconnectedSince !== undefined ? { since: s.disconnectedSince } : {}), ...(s.retryInSec !== undefined ? { retryInSec: s.retryInSec } : {}), connecting: s.connection === 'connecting' })}.`,
    );
    if (s.lastError) tooltip.push(`Last error: ${displayText(s.lastError, 200)}`);
  }
  // A critical that has arrived is firing, loaded or not.
  if (s.onCall?.onCall && s.firing.critical > 0) background = 'error';

  if (s.demo) tooltip.push('Demo alert source (simulated).');
  if (s.watching) tooltip.push(`${watchText(s.watching)}: alerts on that service that start now are marked "started after your deploy" and notify you.`);
  // While disconnected, nothing here is news: never "Nothing is firing". While loading, nothing is known yet.
  if (loading) tooltip.unshift(`Connected — receiving the current alerts (${Math.max(0, s.received ?? 0)} so far)…`);
  else if (count === 0) tooltip.push(disconnected ? 'Last known: nothing firing — alerts raised since then are not shown.' : 'Nothing is firing.');
  else {
    tooltip.push(disconnected ? `Last known: ${count} firing:` : `${count} firing:`);
    // The count is exact; the list may be a moment older: never more lines than the count, the rest "… and N more".
    const top = s.firing.top.filter((a) => a.status === 'triggered').slice(0, Math.min(TOOLTIP_TOP, count));
    for (const a of top) tooltip.push(`• [${a.severity}] ${displayText(a.title, 100)} — ${displayText(a.service, 40)}`);
    if (count > top.length) tooltip.push(`… and ${count - top.length} more`);
  }
  tooltip.push('Click to open the Alerts view.');
  return { text, tooltip: tooltip.join('\n'), ...(background ? { background } : {}) };
}

/** Seconds until the next reconnect attempt ("retrying in 8 s"), when one is scheduled; never negative. */
export function retryInSec(state: { readonly retryAt?: number } | undefined, now: number): number | undefined {
  return state?.retryAt !== undefined ? Math.max(0, Math.ceil((state.retryAt - now) / 1000)) : undefined;
}

/** A retry countdown is showing (not connected, a retry scheduled): the once-a-second refreshes run only then. */
export function retryScheduled(state: { readonly state: string; readonly retryAt?: number } | undefined): boolean {
  return state !== undefined && state.state !== 'connected' && state.retryAt !== undefined;
}
