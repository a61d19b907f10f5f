import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { Alert } from '../protocol/types';
import { displayText } from '../util/text';

export type ConnectionPhase = 'unconfigured' | 'connecting' | 'connected' | 'disconnected';

export interface StatusInput {
  now: number;
  /** IANA zone the user reads times in. */
  timeZone: string;
  connection: ConnectionPhase;
  /** Seconds until the next reconnect attempt, when disconnected. */
  retryInSec?: number;
  /** Undefined while the schedule is unknown. */
  onCall?: { onCall: boolean; until?: number; nextShiftStart?: number };
  firing: readonly Alert[];
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
 * The one status bar item: on call or not, how many are firing, connection trouble, a deploy being
 * watched. Error background while a critical alert is unacked and I am on call; warning while disconnected.
 */
export function statusBarModel(s: StatusInput): StatusModel {
  const triggered = s.firing.filter((a) => a.status === 'triggered');
  const tooltip: string[] = [];
  let text: string;
  if (s.connection === 'unconfigured') {
    return { text: '$(bell-slash) On Call: not configured', tooltip: 'On Call: connect to an alert source (click to open the view).' };
  }
  if (!s.onCall) text = '$(bell) On Call';
  else if (s.onCall.onCall) text = `$(bell) On call${s.onCall.until !== undefined ? ` until ${shortTime(s.onCall.until, s.timeZone)}` : ''}`;
  else text = `$(bell-slash) Off call${s.onCall.nextShiftStart !== undefined ? ` · next shift ${shortTime(s.onCall.nextShiftStart, s.timeZone)}` : ''}`;
  if (triggered.length > 0 || s.onCall?.onCall) text += ` · ${triggered.length} firing`;
  // "Stick around after your deploy": the watch says it all while it lasts.
  if (s.watching) text += ` · ${watchText(s.watching)}`;

  let background: StatusModel['background'];
  if (s.connection === 'disconnected' || s.connection === 'connecting') {
    text = `$(debug-disconnect) ${text.replace(/^\$\([a-z-]+\) /, '')}`;
    background = 'warning';
    tooltip.push(s.connection === 'connecting' ? 'Connecting to the alert source…' : `Not connected to the alert source${s.retryInSec !== undefined ? ` — retrying in ${s.retryInSec} s` : ''}. Showing the last known state.`);
  }
  if (s.onCall?.onCall && triggered.some((a) => a.severity === 'critical')) background = 'error';

  if (s.demo) tooltip.push('Demo alert source (simulated).');
  if (s.watching) tooltip.push(`${watchText(s.watching)}: alerts on that service that start now are marked "started after your deploy" and notify you.`);
  if (triggered.length === 0) tooltip.push('Nothing is firing.');
  else {
    tooltip.push(`${triggered.length} firing:`);
    const order = { critical: 0, high: 1, warning: 2, info: 3 } as const;
    const top = [...triggered].sort((a, b) => order[a.severity] - order[b.severity] || Date.parse(b.startedAt) - Date.parse(a.startedAt)).slice(0, 10);
    for (const a of top) tooltip.push(`• [${a.severity}] ${displayText(a.title, 100)} — ${displayText(a.service, 40)}`);
    if (triggered.length > top.length) tooltip.push(`… and ${triggered.length - top.length} more`);
  }
  tooltip.push('Click to open the Alerts view.');
  return { text, tooltip: tooltip.join('\n'), ...(background ? { background } : {}) };
}
